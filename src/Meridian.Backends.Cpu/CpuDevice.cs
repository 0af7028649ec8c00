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

    /// <summary>
    /// True when this backend's matmuls with <paramref name="weightType"/> weights of <paramref name="k"/>
    /// columns quantize the activations to int8 per block of 32 (scale max|x|/127, round half to even:
    /// Core's ActivationQuantReference) and dot on the weight blocks, as ggml's CPU backend does with
    /// Q8_0/Q8_K; false when they keep activations in f32.
    /// </summary>
    public static bool QuantizesActivations(DType weightType, int k) =>
        Kernels.MatMulKernels.ActivationsFor(weightType, k) == Kernels.ActFormat.Q8;

    /// <inheritdoc />
    public IDeviceBuffer Allocate(long bytes, BufferUsage usage) => CpuBuffer.Allocate(this, bytes, usage);

    /// <inheritdoc />
    public unsafe IDeviceBuffer LoadWeights(ReadOnlySpan<byte> data) =>
        // The span is a view of the memory map (or other pinned memory the caller keeps alive).
        CpuBuffer.View(this, (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(data)), data.Length);

    /// <summary>
    /// Q4_0, Q8_0, Q4_K and Q6_K matrices (on CPUs with AVX2) are copied into the packed layouts of
    /// Kernels/WeightPacking, which the int8 kernels read without a transpose per group (TinyLlama Q4_0
    /// text generation: see docs/cpu-kernels.md); the copied bytes' pages of the memory map are then
    /// handed back (PageAdvice), so the model stays resident once. Other types are used in place.
    /// </summary>
    public unsafe IDeviceBuffer LoadMatMulWeights(ReadOnlySpan<byte> data, DType type, int rows, int cols)
    {
        if (!Kernels.WeightPacking.Packs(type, cols))
            return LoadWeights(data);
        if (rows <= 0 || data.Length != type.ByteSize((long)rows * cols))
            throw new ArgumentException($"LoadMatMulWeights: {data.Length} bytes is not a {type.Name()} [{rows},{cols}] matrix ({type.ByteSize((long)rows * cols)} bytes)");
        var buffer = CpuBuffer.AllocatePacked(this, rows * Kernels.WeightPacking.RowBytes(type, cols));
        fixed (byte* src = data)
        {
            // The device's threads copy in parallel (through the thread pool: loading may overlap another
            // stream's use of the worker pool); start-up then pays about one pass over the weights.
            byte* from = src, to = buffer.Pointer;
            int chunks = Math.Min(rows, Threads * 4);
            Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = Threads },
                i => Kernels.WeightPacking.PackRows(type, from, cols, (int)((long)rows * i / chunks), (int)((long)rows * (i + 1) / chunks), to));
            PageAdvice.ReleaseFilePages(src, data.Length);
        }
        return buffer;
    }

    /// <inheritdoc />
    public IComputeStream CreateStream()
    {
        var stream = new CpuComputeStream(this, _pool);
        // MERIDIAN_PROFILE=1: time every op and print a table to stderr when the stream is disposed.
        return Environment.GetEnvironmentVariable("MERIDIAN_PROFILE") == "1" ? new ProfilingComputeStream(stream) : stream;
    }

    /// <inheritdoc />
    public void Dispose() => _pool.Dispose();
}
