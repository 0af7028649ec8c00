// Causal GQA attention over the KV cache, parallel over (token, head) pairs; each worker owns a
// score scratch row. Softmax and weighted sum as in run.c, with TensorPrimitives.
using System.Diagnostics;
using System.Numerics.Tensors;

namespace Meridian.Backends.Cpu;

internal sealed unsafe class AttentionJob : IParallelJob
{
    private readonly float[][] _scores; // per worker: [visible] f32
    private float* _q, _k, _v, _dst;     // q, dst: [T, H·Dh]; k, v: [capacity, Hkv·Dh]
    private int _t, _start, _h, _hkv, _dh;

    public AttentionJob(int workers)
    {
        _scores = new float[workers][];
        for (int i = 0; i < workers; i++)
            _scores[i] = [];
    }

    /// <summary>capacity: rows of the KV cache; the score rows are sized to it here, once per cache size,
    /// so decoding never allocates (growing with the position would, whenever it passed a power of two).</summary>
    public void Set(float* q, float* k, float* v, float* dst, int t, int startPos, int heads, int kvHeads, int headDim, int capacity)
    {
        _q = q; _k = k; _v = v; _dst = dst;
        (_t, _start, _h, _hkv, _dh) = (t, startPos, heads, kvHeads, headDim);
        for (int w = 0; w < _scores.Length; w++)
        {
            if (_scores[w].Length < capacity)
                _scores[w] = new float[capacity];
        }
    }

    public void Run(int start, int end, int worker)
    {
        int qWidth = _h * _dh, kvWidth = _hkv * _dh, group = _h / _hkv;
        float scale = 1f / MathF.Sqrt(_dh);
        Debug.Assert(_scores[worker].Length >= _start + _t);
        for (int item = start; item < end; item++)
        {
            int i = item / _h, h = item % _h, kvh = h / group;
            int visible = _start + i + 1;
            var qh = new ReadOnlySpan<float>(_q + (long)i * qWidth + h * _dh, _dh);
            var scores = _scores[worker].AsSpan(0, visible);
            for (int p = 0; p < visible; p++)
                scores[p] = TensorPrimitives.Dot(qh, new ReadOnlySpan<float>(_k + (long)p * kvWidth + kvh * _dh, _dh)) * scale;
            TensorPrimitives.SoftMax(scores, scores);
            var oh = new Span<float>(_dst + (long)i * qWidth + h * _dh, _dh);
            oh.Clear();
            for (int p = 0; p < visible; p++)
                TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(_v + (long)p * kvWidth + kvh * _dh, _dh), scores[p], oh, oh);
        }
    }
}
