// What a device has beyond the contract's questions (subgroup size, fp16 arithmetic, int8 dot products, ...), as one
// line for `meridian devices`: optional, for devices whose kernels vary with such features (Vulkan).
namespace Meridian.Core.Backends;

/// <summary>A device that can describe its hardware features in one line.</summary>
public interface IDeviceFeatures
{
    /// <summary>"subgroup 8, fp16 arithmetic yes, int8 yes, ...".</summary>
    string Features { get; }
}
