// The host CPU as a device of the backend contract (v1). Weights are used in place, a view of the memory
// map (no copy, any size); matmul-only weights of the packed types are copied into the int8 kernels' layout.
using Meridian.Core.Backends;
using Meridian.Core.Quant;
using Meridian.Core.Tensors;

namespace Meridian.Backends.Cpu;

/// <summary>The CPU device; its streams share one worker pool of <see cref="Threads"/> threads.</summary>
public sealed class CpuDevice : IDevice
{
    // Packing runs in batches of about this many source bytes, so progress is reported as it goes (from the
    // calling thread, in order) while each batch still splits over every thread.
    private const long PackBatchBytes = 8 << 20;

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
    /// <remarks>All of <see cref="MemoryBytes"/>: host memory has no per-allocation limit of its own.</remarks>
    public long MaxAllocationBytes => MemoryBytes;

    /// <inheritdoc />
    /// <remarks>
    /// MatMul and EmbeddingLookup: every dtype Core's codecs decode; PagedAttention and ScatterRows: f32 and f16
    /// caches; Copy: any dtype with a byte layout; the other ops: f32. An op this build does not know: false.
    /// </remarks>
    public bool Supports(BackendOp op, DType type) => op switch
    {
        BackendOp.MatMul or BackendOp.EmbeddingLookup or BackendOp.MoeFeedForward => QuantCodecs.CanDequantize(type),
        BackendOp.PagedAttention or BackendOp.ScatterRows => type is DType.F32 or DType.F16,
        BackendOp.Copy => DTypes.IsKnownId((uint)type) && !type.Info().IsRemoved,
        BackendOp.RmsNorm or BackendOp.Rope or BackendOp.GatherRows or BackendOp.SwiGlu or BackendOp.Add
            or BackendOp.Softmax or BackendOp.ArgMax or BackendOp.GeGlu or BackendOp.Scale or BackendOp.Softcap
            or BackendOp.MoeRoute => type == DType.F32,
        _ => false,
    };

    /// <inheritdoc />
    /// <remarks>Partial rotation and the attention factor of RoPE (contract 1.1).</remarks>
    public bool SupportsVariant(BackendOp op, string variant) =>
        op == BackendOp.Rope && variant == RopeSpec.ExtendedVariant || op == BackendOp.PagedAttention && variant == AttentionParams.SinksVariant;

    /// <summary>
    /// True when this backend's matmuls with <paramref name="weightType"/> weights of <paramref name="k"/>
    /// columns quantize the activations to int8 per block of 32 (scale max|x|/127, round half to even:
    /// Core's ActivationQuantReference) and dot on the weight blocks, as ggml's CPU backend does with
    /// Q8_0/Q8_K; false when they keep activations in f32.
    /// </summary>
    public static bool QuantizesActivations(DType weightType, int k) =>
        Kernels.MatMulKernels.ActivationsFor(weightType, k) == Kernels.ActFormat.Q8;

    /// <inheritdoc />
    public IDeviceBuffer Allocate(long bytes, BufferUsage usage)
    {
        if (bytes > MaxAllocationBytes)
            throw new ArgumentOutOfRangeException(nameof(bytes), $"a {usage} buffer of {bytes} bytes is more than the {MaxAllocationBytes} bytes of host memory");
        return CpuBuffer.Allocate(this, bytes, usage);
    }

    /// <inheritdoc />
    /// <remarks>
    /// <see cref="WeightUse.Any"/>: a view of the bytes at <see cref="WeightData.Address"/>, used in place (no copy,
    /// any size). <see cref="WeightUse.MatMulOnly"/>: Q4_0, Q8_0, Q4_K and Q6_K matrices (on CPUs with AVX2) are
    /// copied into the packed layouts of Kernels/WeightPacking, which the int8 kernels read without a transpose per
    /// group (TinyLlama Q4_0 text generation: see docs/cpu-kernels.md); the copied bytes' pages of the memory map are
    /// then handed back (PageAdvice), so the model stays resident once. Other types are used in place.
    /// <paramref name="progress"/> gets the bytes of this weight done so far, rising to its ByteLength.
    /// </remarks>
    public unsafe IDeviceBuffer LoadWeights(WeightData weight, WeightUse use, IProgress<long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(weight);
        weight.Validate();
        if (weight.Address == 0)
            throw new ArgumentException($"weight '{weight.Name}': no address (a null pointer)");
        if (use is not (WeightUse.Any or WeightUse.MatMulOnly))
            throw new ArgumentOutOfRangeException(nameof(use), $"weight '{weight.Name}': unknown use {use}");
        byte* src = (byte*)weight.Address;
        if (use == WeightUse.Any || !Kernels.WeightPacking.Packs(weight.Type, weight.Cols))
        {
            progress?.Report(weight.ByteLength);
            return CpuBuffer.View(this, src, weight.ByteLength);
        }

        DType type = weight.Type;
        int rows = weight.Rows, cols = weight.Cols;
        long srcRowBytes = weight.ByteLength / rows;
        var buffer = CpuBuffer.AllocatePacked(this, rows * Kernels.WeightPacking.RowBytes(type, cols));
        // The device's threads copy in parallel (through the thread pool: loading may overlap another stream's
        // use of the worker pool); start-up then pays about one pass over the weights.
        byte* to = buffer.Pointer;
        int batchRows = (int)Math.Clamp(PackBatchBytes / srcRowBytes, 1, rows);
        var options = new ParallelOptions { MaxDegreeOfParallelism = Threads };
        for (int r0 = 0; r0 < rows; r0 += batchRows)
        {
            int r1 = Math.Min(rows, r0 + batchRows), n = r1 - r0, chunks = Math.Min(n, Threads * 4);
            Parallel.For(0, chunks, options,
                i => Kernels.WeightPacking.PackRows(type, src, cols, r0 + (int)((long)n * i / chunks), r0 + (int)((long)n * (i + 1) / chunks), to));
            progress?.Report(r1 * srcRowBytes);
        }
        PageAdvice.ReleaseFilePages(src, weight.ByteLength);
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
