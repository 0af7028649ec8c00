// One device of a backend: what it is, what it can run (every op declarable), buffers, weights, streams.
using Meridian.Core.Tensors;

namespace Meridian.Core.Backends;

/// <summary>A compute device. Capability is stated up front through <see cref="Supports"/>.</summary>
public interface IDevice : IDisposable
{
    /// <summary>Human-readable name.</summary>
    string Name { get; }

    /// <summary>What kind of hardware this is.</summary>
    DeviceKind Kind { get; }

    /// <summary>Memory the device can allocate from, in bytes (host RAM for the CPU).</summary>
    long MemoryBytes { get; }

    /// <summary>The largest single buffer <see cref="Allocate"/> accepts, in bytes.</summary>
    long MaxAllocationBytes { get; }

    /// <summary>
    /// Whether <paramref name="op"/> runs here keyed on <paramref name="type"/> (the weight or table dtype for
    /// MatMul and EmbeddingLookup, the KV cache dtype for PagedAttention and ScatterRows, the copied dtype for
    /// Copy, F32 for the activation ops). Every op of <see cref="BackendOps.All"/> is answered; the conformance
    /// kit checks every pair claimed here.
    /// </summary>
    bool Supports(BackendOp op, DType type);

    /// <summary>
    /// Whether the device runs <paramref name="variant"/> of <paramref name="op"/>: parameters a contract minor added
    /// to an op beyond what <see cref="Supports"/> promises (<see cref="RopeSpec.ExtendedVariant"/>: partial rotation
    /// and an attention factor, contract 1.1). A device claims a variant only when it implements it, so the default is
    /// false; a model that needs one runs that op on the fallback device.
    /// </summary>
    bool SupportsVariant(BackendOp op, string variant) => false;

    /// <summary>A zeroed buffer of <paramref name="bytes"/> bytes tagged <paramref name="usage"/>.</summary>
    IDeviceBuffer Allocate(long bytes, BufferUsage usage);

    /// <summary>
    /// A weights buffer holding <paramref name="weight"/> (any size; <paramref name="progress"/> gets bytes done).
    /// A host-memory device may use the bytes in place (a view of the memory map, no copy); others copy them,
    /// from <see cref="WeightData.Address"/> or the file, and may finish the copy asynchronously as long as it is
    /// ordered before any op that reads the buffer. With <see cref="WeightUse.MatMulOnly"/> the device may keep
    /// the matrix in a layout of its own that only MatMul reads, used whole (byte offset 0).
    /// </summary>
    IDeviceBuffer LoadWeights(WeightData weight, WeightUse use, IProgress<long>? progress = null);

    /// <summary>A new in-order stream of ops.</summary>
    IComputeStream CreateStream();
}
