// Causal GQA attention over the KV cache (run.c "multihead attention"; ReferenceOps.AttentionReference
// is the oracle). One work item is one query token and a run of query heads that share a KV head, so
// each K and V row is loaded once for all of them: scores = q·K (four positions at a time), softmax,
// then out = Σ w·V (four rows at a time). Scores stay in a per-worker row, a two-pass scheme rather
// than an online (flash) softmax: both read K and V once, and the scores row is small and hot.
using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Meridian.Backends.Cpu;

internal sealed unsafe class AttentionJob : IParallelJob
{
    private readonly int _workers;
    private readonly float[][] _scores; // per worker: [heads per item, capacity] f32
    private float* _q, _k, _v, _dst;     // q, dst: [T, H·Dh]; k, v: [capacity, Hkv·Dh] f32
    // T = query tokens, H = heads, Hkv = kv heads, Dh = head dim; a KV head serves H / Hkv query heads
    // split into `splits` items of `headsPerItem` heads.
    private int _t, _start, _h, _hkv, _dh, _splits, _headsPerItem;

    public AttentionJob(int workers)
    {
        _workers = workers;
        _scores = new float[workers][];
        for (int i = 0; i < workers; i++)
            _scores[i] = [];
    }

    /// <summary>Work items of the current call, for <see cref="WorkerPool.For"/>.</summary>
    public int Items => _t * _hkv * _splits;

    /// <summary>capacity: rows of the KV cache; the score rows are sized to it here, once per cache size,
    /// so decoding never allocates (growing with the position would, whenever it passed a power of two).</summary>
    public void Set(float* q, float* k, float* v, float* dst, int t, int startPos, int heads, int kvHeads, int headDim, int capacity)
    {
        Debug.Assert(heads % kvHeads == 0 && startPos + t <= capacity);
        _q = q; _k = k; _v = v; _dst = dst;
        (_t, _start, _h, _hkv, _dh) = (t, startPos, heads, kvHeads, headDim);
        // As few splits of a KV head's query heads as still give every worker several items (decode has
        // only T·Hkv of them: 4 for TinyLlama), else one item per KV head and token.
        int group = heads / kvHeads;
        _splits = group;
        for (int s = 1; s <= group; s++)
        {
            if (group % s == 0 && t * kvHeads * s >= 4 * _workers)
            {
                _splits = s;
                break;
            }
        }
        _headsPerItem = group / _splits;
        long need = (long)_headsPerItem * capacity;
        for (int w = 0; w < _scores.Length; w++)
        {
            if (_scores[w].Length < need)
                _scores[w] = new float[need];
        }
    }

    public void Run(int start, int end, int worker)
    {
        int perToken = _hkv * _splits, group = _h / _hkv;
        fixed (float* scores = _scores[worker])
        {
            for (int item = start; item < end; item++)
            {
                // Causal work grows with the token, so tokens are taken in the order 0, T-1, 1, T-2, ...:
                // each worker's contiguous range of items then holds as much early as late work.
                int j = item / perToken, rest = item % perToken;
                int i = (j & 1) == 0 ? j / 2 : _t - 1 - j / 2;
                int kvh = rest / _splits, h0 = kvh * group + rest % _splits * _headsPerItem;
                Heads(i, kvh, h0, scores);
            }
        }
    }

    // Query token i, heads [h0, h0 + headsPerItem), all reading KV head kvh. scores: [headsPerItem, visible].
    private void Heads(int i, int kvh, int h0, float* scores)
    {
        int dh = _dh, qWidth = _h * dh, kvWidth = _hkv * dh, n = _headsPerItem;
        int visible = _start + i + 1;
        float scale = 1f / MathF.Sqrt(dh);
        float* q = _q + (long)i * qWidth + h0 * dh;     // [n, Dh]
        float* o = _dst + (long)i * qWidth + h0 * dh;   // [n, Dh]
        float* k = _k + kvh * dh, v = _v + kvh * dh;    // row p at + p·kvWidth

        int p = 0;
        for (; p + 4 <= visible; p += 4)
        {
            float* k0 = k + (long)p * kvWidth;
            for (int g = 0; g < n; g++)
                Dot4(q + g * dh, k0, kvWidth, dh, scale, scores + (long)g * visible + p);
        }
        for (; p < visible; p++)
        {
            for (int g = 0; g < n; g++)
                scores[(long)g * visible + p] = Dot(q + g * dh, k + (long)p * kvWidth, dh) * scale;
        }

        for (int g = 0; g < n; g++)
        {
            var row = new Span<float>(scores + (long)g * visible, visible);
            TensorPrimitives.SoftMax(row, row);
            new Span<float>(o + g * dh, dh).Clear();
        }

        p = 0;
        for (; p + 4 <= visible; p += 4)
        {
            float* v0 = v + (long)p * kvWidth;
            for (int g = 0; g < n; g++)
                Axpy4(scores + (long)g * visible + p, v0, kvWidth, dh, o + g * dh);
        }
        for (; p < visible; p++)
        {
            for (int g = 0; g < n; g++)
                Axpy1(scores[(long)g * visible + p], v + (long)p * kvWidth, dh, o + g * dh);
        }
    }

    /// <summary>s[r] = scale · (q · k_r) for the four rows k_r = k + r·stride. q, k_r: [Dh] f32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot4(float* q, float* k, int stride, int dh, float scale, float* s)
    {
        float* k1 = k + stride, k2 = k1 + stride, k3 = k2 + stride;
        var a0 = Vector<float>.Zero;
        var a1 = Vector<float>.Zero;
        var a2 = Vector<float>.Zero;
        var a3 = Vector<float>.Zero;
        int c = 0;
        for (; c + Vector<float>.Count <= dh; c += Vector<float>.Count)
        {
            var qv = Vector.Load(q + c);
            a0 = Vector.MultiplyAddEstimate(qv, Vector.Load(k + c), a0);
            a1 = Vector.MultiplyAddEstimate(qv, Vector.Load(k1 + c), a1);
            a2 = Vector.MultiplyAddEstimate(qv, Vector.Load(k2 + c), a2);
            a3 = Vector.MultiplyAddEstimate(qv, Vector.Load(k3 + c), a3);
        }
        float s0 = Vector.Sum(a0), s1 = Vector.Sum(a1), s2 = Vector.Sum(a2), s3 = Vector.Sum(a3);
        for (; c < dh; c++)
        {
            s0 += q[c] * k[c];
            s1 += q[c] * k1[c];
            s2 += q[c] * k2[c];
            s3 += q[c] * k3[c];
        }
        s[0] = s0 * scale;
        s[1] = s1 * scale;
        s[2] = s2 * scale;
        s[3] = s3 * scale;
    }

    /// <summary>q · k. q, k: [Dh] f32.</summary>
    private static float Dot(float* q, float* k, int dh)
    {
        var a = Vector<float>.Zero;
        int c = 0;
        for (; c + Vector<float>.Count <= dh; c += Vector<float>.Count)
            a = Vector.MultiplyAddEstimate(Vector.Load(q + c), Vector.Load(k + c), a);
        float s = Vector.Sum(a);
        for (; c < dh; c++)
            s += q[c] * k[c];
        return s;
    }

    /// <summary>o += Σ_r w[r] · v_r over the four rows v_r = v + r·stride. v_r, o: [Dh] f32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Axpy4(float* w, float* v, int stride, int dh, float* o)
    {
        float* v1 = v + stride, v2 = v1 + stride, v3 = v2 + stride;
        float w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3];
        var b0 = new Vector<float>(w0);
        var b1 = new Vector<float>(w1);
        var b2 = new Vector<float>(w2);
        var b3 = new Vector<float>(w3);
        int c = 0;
        for (; c + Vector<float>.Count <= dh; c += Vector<float>.Count)
        {
            var acc = Vector.Load(o + c);
            acc = Vector.MultiplyAddEstimate(b0, Vector.Load(v + c), acc);
            acc = Vector.MultiplyAddEstimate(b1, Vector.Load(v1 + c), acc);
            acc = Vector.MultiplyAddEstimate(b2, Vector.Load(v2 + c), acc);
            acc = Vector.MultiplyAddEstimate(b3, Vector.Load(v3 + c), acc);
            acc.Store(o + c);
        }
        for (; c < dh; c++)
            o[c] += w0 * v[c] + w1 * v1[c] + w2 * v2[c] + w3 * v3[c];
    }

    /// <summary>o += w · v. v, o: [Dh] f32.</summary>
    private static void Axpy1(float w, float* v, int dh, float* o)
    {
        var b = new Vector<float>(w);
        int c = 0;
        for (; c + Vector<float>.Count <= dh; c += Vector<float>.Count)
            Vector.MultiplyAddEstimate(b, Vector.Load(v + c), Vector.Load(o + c)).Store(o + c);
        for (; c < dh; c++)
            o[c] += w * v[c];
    }
}
