// The host CPU as a device of the backend contract. Weights are used in place (no copy).
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Meridian.Core.Backends;
using Meridian.Core.Quant;
using Meridian.Core.Tensors;

namespace Meridian.Backends.Cpu;

/// <summary>The CPU device; its streams share one worker pool of <see cref="Threads"/> threads.</summary>
public sealed class CpuDevice : IDevice
{
    private readonly WorkerPool _pool;

    /// <summary>A CPU device using <paramref name="threads"/> threads (default: the processor count).</summary>
    public CpuDevice(int? threads = null)
    {
        Threads = Math.Max(1, threads ?? Environment.ProcessorCount);
        // Run CpuIsa's initializer before any kernel is compiled: the JIT can treat a static readonly flag
        // as a constant only once its class is initialized, and kernels compiled optimized on their first
        // call (the CLI turns off quick JIT for loops) are not compiled again later.
        _ = Kernels.CpuIsa.Avx2;
        _pool = new WorkerPool(Threads);
    }

    /// <summary>Worker threads, the caller included.</summary>
    public int Threads { get; }

    /// <inheritdoc />
    public string Name => $"cpu ({Threads} threads)";

    /// <inheritdoc />
    public DeviceKind Kind => DeviceKind.Cpu;

    /// <inheritdoc />
    public long MemoryBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <inheritdoc />
    public bool Supports(BackendOp op, DType type) => op switch
    {
        BackendOp.MatMul or BackendOp.EmbeddingLookup => QuantCodecs.CanDequantize(type),
        _ => type == DType.F32,
    };

    /// <inheritdoc />
    public IDeviceBuffer Allocate(long bytes, BufferUsage usage) => CpuBuffer.Allocate(this, bytes, usage);

    /// <inheritdoc />
    public unsafe IDeviceBuffer LoadWeights(ReadOnlySpan<byte> data) =>
        // The span is a view of the memory map (or other pinned memory the caller keeps alive).
        CpuBuffer.View(this, (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(data)), data.Length);

    /// <inheritdoc />
    public IComputeStream CreateStream() => new CpuComputeStream(this, _pool);

    /// <inheritdoc />
    public void Dispose() => _pool.Dispose();
}
