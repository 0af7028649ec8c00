// y = x · wᵀ, parallel over output rows: each worker decodes one weight row into its own scratch
// and dots it with every token row (TensorPrimitives.Dot). f32 weights are dotted in place.
using System.Numerics.Tensors;
using Meridian.Core.Tensors;

namespace Meridian.Backends.Cpu;

internal sealed unsafe class MatMulJob : IParallelJob
{
    private readonly float[][] _scratch; // per worker: one decoded row [K] f32
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
    }

    public void Set(DType type, byte* w, long rowBytes, int n, int k, float* x, float* y, int t)
    {
        _w = w; _x = x; _y = y;
        (_type, _rowBytes, _n, _k, _t) = (type, rowBytes, n, k, t);
    }

    public void Run(int start, int end, int worker)
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
            for (int i = 0; i < _t; i++)
                _y[(long)i * _n + j] = TensorPrimitives.Dot(new ReadOnlySpan<float>(_x + (long)i * _k, _k), wRow);
        }
    }
}
