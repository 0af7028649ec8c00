// y = x · wᵀ for up to MaxSegments weights sharing one input x (Q/K/V, gate/up), parallel over
// the concatenation of their output rows: one activation quantization and one pool dispatch for all.
// Weight types with a block kernel (Kernels/) are dotted on their blocks against the quantized
// activations; the rest decode each weight row into per-worker f32 scratch (TensorPrimitives.Dot).
// Prefill is cache-blocked: a worker walks its rows once per block of TokenBlock tokens, so that
// block's activations stay in L2 while the weights stream past.
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Meridian.Backends.Cpu.Kernels;
using Meridian.Core.Tensors;

namespace Meridian.Backends.Cpu;

internal sealed unsafe class MatMulJob : IParallelJob, IDisposable
{
    /// <summary>Weights one call can share an input between.</summary>
    public const int MaxSegments = 4;

    // 60 tokens (12 tiles of 5, 15 of 4) x K int8 codes: 120 KiB at K = 2048, a fraction of a 1 MiB L2.
    private const int TokenBlock = 60;

    private readonly float[][] _scratch; // per worker: one decoded row [K] f32 (types without a kernel)
    private readonly byte*[] _kernelScratch; // per worker: one row decoded for GroupKernel, 32-byte aligned
    private readonly long[] _kernelScratchBytes;
    private readonly Segment[] _segments = new Segment[MaxSegments];
    private int _count;    // segments in use
    private int _rows;     // Σ N over segments
    private int _k;
    private float* _x;     // [T, K] f32
    private int _t;

    // One weight of the call: w [N, K] in Type, y [T, N] f32; rows [First, First + N) of the job.
    private struct Segment
    {
        public DType Type;
        public byte* W;
        public long RowBytes;
        public int N;
        public int First;
        public float* Y;
        public bool Packed; // W in WeightPacking's layout (RowBytes its packed row)
    }

    public MatMulJob(int workers)
    {
        _scratch = new float[workers][];
        for (int i = 0; i < workers; i++)
            _scratch[i] = [];
        _kernelScratch = new byte*[workers];
        _kernelScratchBytes = new long[workers];
    }

    /// <summary>The activations of the current call, quantized by the caller (a parallel job over tokens) before <see cref="Run"/>.</summary>
    public QuantizedActivations Activations { get; } = new();

    /// <summary>Output rows of the current call (the count to run the job over).</summary>
    public int Rows => _rows;

    /// <summary>Starts a call on x: [T, K] f32; then <see cref="Add"/> each weight and <see cref="Prepare"/>.</summary>
    public void Begin(float* x, int t, int k)
    {
        _x = x;
        (_t, _k, _count, _rows) = (t, k, 0, 0);
    }

    /// <summary>Adds w: [N, K] of <paramref name="type"/> (packed: in WeightPacking's layout) writing y: [T, N] f32.</summary>
    public void Add(DType type, byte* w, long rowBytes, int n, float* y, bool packed)
    {
        _segments[_count++] = new Segment { Type = type, W = w, RowBytes = rowBytes, N = n, First = _rows, Y = y, Packed = packed };
        _rows += n;
    }

    /// <summary>Sizes the activations for the call; returns true when they need a quantizing pass.</summary>
    public bool Prepare()
    {
        bool quantize = false;
        for (int i = 0; i < _count; i++)
            quantize |= MatMulKernels.ActivationsFor(_segments[i].Type, _k) == ActFormat.Q8;
        Activations.Prepare(quantize ? ActFormat.Q8 : ActFormat.F32, _x, _t, _k);
        return quantize;
    }

    public void Run(int start, int end, int worker)
    {
        long need = MatMulKernels.ScratchBytes(_k);
        if (_kernelScratchBytes[worker] < need)
        {
            // Grows once per largest K, not per token.
            NativeMemory.AlignedFree(_kernelScratch[worker]);
            _kernelScratch[worker] = (byte*)NativeMemory.AlignedAlloc((nuint)need, 64);
            _kernelScratchBytes[worker] = need;
        }
        for (int t0 = 0; t0 < _t; t0 += TokenBlock)
        {
            int t1 = Math.Min(_t, t0 + TokenBlock);
            for (int i = 0; i < _count; i++)
            {
                ref var s = ref _segments[i];
                int r0 = Math.Max(start, s.First) - s.First, r1 = Math.Min(end, s.First + s.N) - s.First;
                if (r0 >= r1)
                    continue;
                if (s.Packed)
                    MatMulKernels.RunPacked(s.Type, s.W, s.RowBytes, r0, r1, Activations, t0, t1, s.Y, s.N, _kernelScratch[worker]);
                else if (MatMulKernels.ActivationsFor(s.Type, _k) == ActFormat.Q8)
                    MatMulKernels.Run(s.Type, s.W, s.RowBytes, r0, r1, Activations, t0, t1, s.Y, s.N, _kernelScratch[worker]);
                else if (FloatKernel.Supports(s.Type))
                    FloatKernel.Run(s.Type, s.W, s.RowBytes, r0, r1, _x, _k, t0, t1, s.Y, s.N);
                else
                    RunDecoded(in s, r0, r1, worker, t0, t1);
            }
        }
    }

    private void RunDecoded(in Segment s, int start, int end, int worker, int t0, int t1)
    {
        if (_scratch[worker].Length < _k)
            _scratch[worker] = new float[_k]; // grows once per largest K, not per token
        var row = _scratch[worker].AsSpan(0, _k);
        for (int j = start; j < end; j++)
        {
            ReadOnlySpan<float> wRow;
            if (s.Type == DType.F32)
                wRow = new ReadOnlySpan<float>(s.W + j * s.RowBytes, _k);
            else
            {
                RowDecoder.Decode(s.Type, new ReadOnlySpan<byte>(s.W + j * s.RowBytes, (int)s.RowBytes), row);
                wRow = row;
            }
            for (int i = t0; i < t1; i++)
                s.Y[(long)i * s.N + j] = TensorPrimitives.Dot(new ReadOnlySpan<float>(_x + (long)i * _k, _k), wRow);
        }
    }

    public void Dispose()
    {
        Activations.Dispose();
        for (int i = 0; i < _kernelScratch.Length; i++)
        {
            NativeMemory.AlignedFree(_kernelScratch[i]);
            _kernelScratch[i] = null;
            _kernelScratchBytes[i] = 0;
        }
    }
}
