// y = x · wᵀ, parallel over output rows. Weight types with a block kernel (Kernels/) are dotted on
// their blocks against activations quantized once per call; the rest decode each weight row into
// per-worker f32 scratch and dot it with every token (TensorPrimitives.Dot).
// Prefill is cache-blocked: a worker walks its rows once per block of TokenBlock tokens, so that
// block's activations stay in L2 while the weights stream past.
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Meridian.Backends.Cpu.Kernels;
using Meridian.Core.Tensors;

namespace Meridian.Backends.Cpu;

internal sealed unsafe class MatMulJob : IParallelJob, IDisposable
{
    // 64 tokens x K int8 codes: 128 KiB at K = 2048, a fraction of a 1 MiB L2.
    private const int TokenBlock = 64;

    private readonly float[][] _scratch; // per worker: one decoded row [K] f32 (types without a kernel)
    private readonly byte*[] _kernelScratch; // per worker: one row decoded for GroupKernel, 32-byte aligned
    private readonly long[] _kernelScratchBytes;
    private DType _type;
    private byte* _w;      // [N, K] in _type
    private long _rowBytes;
    private int _k;
    private int _n;
    private float* _x;     // [T, K] f32
    private float* _y;     // [T, N] f32
    private int _t;

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

    /// <summary>Sets up one call; returns false when the activations need no quantizing pass.</summary>
    public bool Set(DType type, byte* w, long rowBytes, int n, int k, float* x, float* y, int t)
    {
        _w = w; _x = x; _y = y;
        (_type, _rowBytes, _n, _k, _t) = (type, rowBytes, n, k, t);
        var format = MatMulKernels.ActivationsFor(type, k);
        Activations.Prepare(format ?? ActFormat.F32, x, t, k);
        return format == ActFormat.Q8;
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
            if (!MatMulKernels.Run(_type, _w, _rowBytes, start, end, Activations, t0, t1, _y, _n, _kernelScratch[worker]))
                RunDecoded(start, end, worker, t0, t1);
        }
    }

    private void RunDecoded(int start, int end, int worker, int t0, int t1)
    {
        if (_scratch[worker].Length < _k)
            _scratch[worker] = new float[_k]; // grows once per largest K, not per token
        var row = _scratch[worker].AsSpan(0, _k);
        for (int j = start; j < end; j++)
        {
            ReadOnlySpan<float> wRow;
            if (_type == DType.F32)
                wRow = new ReadOnlySpan<float>(_w + j * _rowBytes, _k);
            else
            {
                RowDecoder.Decode(_type, new ReadOnlySpan<byte>(_w + j * _rowBytes, (int)_rowBytes), row);
                wRow = row;
            }
            for (int i = t0; i < t1; i++)
                _y[(long)i * _n + j] = TensorPrimitives.Dot(new ReadOnlySpan<float>(_x + (long)i * _k, _k), wRow);
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
