// What a device buffer holds; a backend may place each kind differently (weights read-only, KV resident).
namespace Meridian.Core.Backends;

/// <summary>The role of an <see cref="IDeviceBuffer"/>.</summary>
public enum BufferUsage
{
    /// <summary>Model weights: written once at load, then read-only.</summary>
    Weights,

    /// <summary>Keys and values of past tokens.</summary>
    KvCache,

    /// <summary>Activations and other per-step workspace.</summary>
    Scratch,
}
