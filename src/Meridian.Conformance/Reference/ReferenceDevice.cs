// A backend made of Core's scalar reference ops on host memory: slow, obviously correct, and the smallest
// complete implementation of contract v1. The conformance kit runs against it to check itself, the model
// level compares other devices with it, and docs/backends.md points vendors at it as a starting point.
using Meridian.Core.Backends;
using Meridian.Core.Quant;
using Meridian.Core.Tensors;

namespace Meridian.Conformance.Reference;

/// <summary>
/// The reference device: every op of <see cref="BackendOps.All"/> through <c>ReferenceOps</c>, synchronously,
/// one thread. Supports matmul and embedding lookup on every dtype Core decodes, F32 and F16 KV caches, copies
/// of those same dtypes, and F32 for the rest.
/// </summary>
public sealed class ReferenceDevice : IDevice
{
    /// <inheritdoc />
    public string Name => "reference (scalar ReferenceOps)";

    /// <inheritdoc />
    public DeviceKind Kind => DeviceKind.Cpu;

    /// <inheritdoc />
    public long MemoryBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <inheritdoc />
    public long MaxAllocationBytes => MemoryBytes;

    /// <inheritdoc />
    public bool Supports(BackendOp op, DType type) => op switch
    {
        BackendOp.MatMul or BackendOp.EmbeddingLookup or BackendOp.MoeFeedForward => QuantCodecs.CanDequantize(type),
        BackendOp.PagedAttention or BackendOp.ScatterRows => type is DType.F32 or DType.F16,
        BackendOp.Copy => QuantCodecs.CanDequantize(type),
        _ => type == DType.F32,
    };

    /// <inheritdoc />
    public bool SupportsVariant(BackendOp op, string variant) =>
        op == BackendOp.Rope && variant == RopeSpec.ExtendedVariant || op == BackendOp.PagedAttention && variant == AttentionParams.SinksVariant;

    /// <inheritdoc />
    public IDeviceBuffer Allocate(long bytes, BufferUsage usage)
    {
        if (bytes > MaxAllocationBytes)
            throw new ArgumentOutOfRangeException(nameof(bytes), $"{bytes} bytes is more than the reference device's largest allocation ({MaxAllocationBytes})");
        return ReferenceBuffer.Allocate(this, bytes, usage);
    }

    /// <inheritdoc />
    public IDeviceBuffer LoadWeights(WeightData weight, WeightUse use, IProgress<long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(weight);
        weight.Validate();
        // Host memory: the bytes are used where they are (the memory map), as the CPU backend does.
        var buffer = ReferenceBuffer.View(this, weight.Address, weight.ByteLength);
        progress?.Report(weight.ByteLength);
        return buffer;
    }

    /// <inheritdoc />
    public IComputeStream CreateStream() => new ReferenceComputeStream(this);

    /// <inheritdoc />
    public void Dispose()
    {
    }
}
