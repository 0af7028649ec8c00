// The kind of hardware behind an IDevice.
namespace Meridian.Core.Backends;

/// <summary>Kind of compute device.</summary>
public enum DeviceKind
{
    /// <summary>Host CPU.</summary>
    Cpu,

    /// <summary>Discrete or integrated GPU.</summary>
    Gpu,

    /// <summary>Other accelerator (NPU, ...).</summary>
    Accelerator,
}
