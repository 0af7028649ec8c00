// Grouped-query attention for a batch of sequences over a paged KV cache (vLLM's paged_attention;
// ReferenceOps.PagedAttentionReference is the oracle), with AttentionParams' scale, sliding window and
// softcap, over f32 or f16 caches. One work item is one query row and a run of the query heads that share a
// KV head: scores q·k per visible position, softcap, softmax, out = Σ w·v.
// Batch invariance: every number a query row gets depends only on that row's q, its position and the keys
// and values of the positions it sees, never on the other rows of the call, the block layout, or how heads
// are split over items. So each score is one Dot (the same lanes and horizontal sum whichever position or
// head group it is in: AttentionMath fixes the sum order), each output accumulates positions strictly in
// order (a fused multiply-add per position and lane), and each head's score row holds positions first..p
// from its start, 64-byte aligned (TensorPrimitives' softmax and tanh sum and round by index and alignment).
// An f16 cache is widened to f32 (exactly) per run of positions into per-worker scratch, so it gives the bits
// an f32 cache of the same values gives. That rules out a transposed-key prefill (32 positions per FMA chain,
// a different sum order from decode's dot); instead heads go two at a time through each key and value vector
// and eight scores share one shuffle-network horizontal sum (TinyLlama Q4_0 pp512, 2 threads, f32 cache:
// attention 0.21-0.24 -> 0.14-0.17 s; the old contiguous AttentionJob with transposed keys took 0.17 s).
// Sliding window W: a query at p reads positions max(0, p - W + 1)..p only; blocks wholly before the window
// are never touched, so a long context costs O(W) per query.
using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Meridian.Core.Backends;

namespace Meridian.Backends.Cpu;

internal sealed unsafe class PagedAttentionJob : IParallelJob, IDisposable
{
    // Positions widened at a time from an f16 cache: [F16Run, Dh] f32 of scratch per worker, whatever the block size.
    private const int F16Run = 64;

    private readonly int _workers;
    private readonly float*[] _scores;     // per worker: [heads per item, scoreStride] f32, 64-byte aligned
    private readonly long[] _scoreCapacity; // floats
    private readonly float*[] _widened;    // per worker: [F16Run, Dh] f32 (f16 caches only)
    private readonly long[] _widenedCapacity;
    private int[] _rowSequence = [];       // [T] the sequence each query row belongs to (filled by the caller)
    private float* _q, _dst;               // [T, H·Dh] f32 each
    private float* _sinks;                 // [H] f32 sink logits, or null
    private void* _k, _v;                  // [numBlocks·blockSize, Hkv·Dh] f32 or f16 each
    private bool _f16;
    private AttentionSequence* _sequences;
    private int* _blockTables;
    // T = query rows, H = heads, Hkv = kv heads, Dh = head dim, W = sliding window (0: none); a KV head serves
    // H / Hkv query heads split into `splits` items of `headsPerItem` heads.
    private int _t, _h, _hkv, _dh, _window, _blockSize, _splits, _headsPerItem, _scoreStride;
    private float _scale, _softcap;

    public PagedAttentionJob(int workers)
    {
        _workers = workers;
        _scores = new float*[workers];
        _scoreCapacity = new long[workers];
        _widened = new float*[workers];
        _widenedCapacity = new long[workers];
    }

    /// <summary>Work items of the current call, for <see cref="WorkerPool.For"/>.</summary>
    public int Items => _t * _hkv * _splits;

    /// <summary>[T] row → sequence map for the caller to fill while it validates; grows once per largest T.</summary>
    public Span<int> RowSequence(int t)
    {
        if (_rowSequence.Length < t)
            _rowSequence = new int[Math.Max(t, 2 * _rowSequence.Length)];
        return _rowSequence.AsSpan(0, t);
    }

    /// <summary>
    /// Sets up a call whose arguments the caller has validated. k, v: f16 when <paramref name="f16"/>, else f32;
    /// sequences, blockTables: valid until the call returns; scoreLength: the most positions any query row of the
    /// call sees (at least its real number: the score rows are sized by it).
    /// </summary>
    public void Set(float* q, void* k, void* v, bool f16, float* dst, int t, in AttentionParams p, int blockSize,
        AttentionSequence* sequences, int* blockTables, int scoreLength, float* sinks = null)
    {
        _sinks = sinks;
        Debug.Assert(p.NumHeads % p.NumKvHeads == 0 && _rowSequence.Length >= t);
        _q = q; _k = k; _v = v; _dst = dst; _f16 = f16;
        (_t, _h, _hkv, _dh, _blockSize) = (t, p.NumHeads, p.NumKvHeads, p.HeadDim, blockSize);
        (_scale, _window, _softcap) = (p.Scale, p.SlidingWindow, p.Softcap);
        _sequences = sequences;
        _blockTables = blockTables;
        // As few splits of a KV head's query heads as still give every worker several items. The split
        // changes which worker runs a head, never the head's arithmetic.
        int group = _h / _hkv;
        _splits = group;
        for (int s = 1; s <= group; s++)
        {
            if (group % s == 0 && (long)t * _hkv * s >= 4 * _workers)
            {
                _splits = s;
                break;
            }
        }
        _headsPerItem = group / _splits;
        _scoreStride = (scoreLength + 15) & ~15; // 16 floats: each head's row 64-byte aligned
        Reserve(_scores, _scoreCapacity, (long)_headsPerItem * _scoreStride);
        if (f16)
            Reserve(_widened, _widenedCapacity, (long)F16Run * _dh);
    }

    // Per-worker native scratch of at least `need` floats, 64-byte aligned. Geometric: a longer context
    // reallocates a few times in a run, never per call, and never touches the GC heap.
    private void Reserve(float*[] scratch, long[] capacity, long need)
    {
        for (int w = 0; w < _workers; w++)
        {
            if (capacity[w] < need)
            {
                long grown = Math.Max(need, 2 * capacity[w]);
                NativeMemory.AlignedFree(scratch[w]);
                scratch[w] = (float*)NativeMemory.AlignedAlloc((nuint)(grown * sizeof(float)), 64);
                capacity[w] = grown;
            }
        }
    }

    public void Dispose()
    {
        for (int w = 0; w < _workers; w++)
        {
            NativeMemory.AlignedFree(_scores[w]);
            NativeMemory.AlignedFree(_widened[w]);
            _scores[w] = _widened[w] = null;
            _scoreCapacity[w] = _widenedCapacity[w] = 0;
        }
    }

    public void Run(int start, int end, int worker)
    {
        int perRow = _hkv * _splits, group = _h / _hkv;
        float* scores = _scores[worker], widened = _widened[worker];
        for (int item = start; item < end; item++)
        {
            // Rows are taken in the order 0, T-1, 1, T-2, ...: a prefill chunk's work grows with the row,
            // so each worker's contiguous range of items holds early and late rows alike.
            int j = item / perRow, rest = item % perRow;
            int r = (j & 1) == 0 ? j / 2 : _t - 1 - j / 2;
            int kvh = rest / _splits, h0 = kvh * group + rest % _splits * _headsPerItem;
            ref readonly var s = ref _sequences[_rowSequence[r]];
            int pos = s.StartPos + (r - s.QueryRow);
            int first = _window > 0 ? Math.Max(0, pos - _window + 1) : 0;
            int* table = _blockTables + s.BlockTableOffset;
            if (_f16)
                Heads<F16Rows>(r, first, pos, table, kvh, h0, scores, widened);
            else
                Heads<F32Rows>(r, first, pos, table, kvh, h0, scores, widened);
        }
    }

    // Query row r seeing positions [first, last] through its block table, heads [h0, h0 + headsPerItem)
    // reading KV head kvh. scores: [headsPerItem, scoreStride], position j at column j - first.
    private void Heads<TRows>(int r, int first, int last, int* table, int kvh, int h0, float* scores, float* widened)
        where TRows : struct, IKvRows
    {
        int dh = _dh, qWidth = _h * dh, kvWidth = _hkv * dh, n = _headsPerItem, bs = _blockSize;
        int rs = TRows.Stride(kvWidth, dh); // floats between the rows Load returns
        int visible = last - first + 1;
        long stride = _scoreStride;
        float scale = _scale, softcap = _softcap;
        float* q = _q + (long)r * qWidth + h0 * dh;     // [n, Dh]
        float* o = _dst + (long)r * qWidth + h0 * dh;   // [n, Dh]

        // Block b holds positions [b·bs, b·bs + bs); runs [p0, p1) are its visible part, at most TRows.MaxRun long.
        for (int b = first / bs, p0 = first; p0 <= last; b++)
        {
            for (int end = Math.Min((b + 1) * bs, last + 1); p0 < end;)
            {
                int count = Math.Min(end - p0, TRows.MaxRun); // f32: the whole visible part of the block
                float* k = TRows.Load(_k, (long)table[b] * bs + p0 - b * bs, count, kvWidth, kvh * dh, dh, widened);
                float* s = scores + (p0 - first);
                int i = 0;
                for (; i + 4 <= count; i += 4)
                {
                    int g = 0;
                    for (; g + 2 <= n; g += 2)
                        AttentionMath.Dot4x2(q + g * dh, q + (g + 1) * dh, k + (long)i * rs, rs, dh, scale, s + g * stride + i, s + (g + 1) * stride + i);
                    for (; g < n; g++)
                        AttentionMath.Dot4(q + g * dh, k + (long)i * rs, rs, dh, scale, s + g * stride + i);
                }
                for (; i < count; i++)
                {
                    for (int g = 0; g < n; g++)
                        s[g * stride + i] = AttentionMath.Dot(q + g * dh, k + (long)i * rs, dh) * scale;
                }
                p0 += count;
            }
        }

        for (int g = 0; g < n; g++)
        {
            var row = new Span<float>(scores + g * stride, visible);
            if (softcap > 0)
                Softcap(row, softcap);
            if (_sinks != null)
                SoftMaxWithSink(row, _sinks[h0 + g]);
            else
                TensorPrimitives.SoftMax(row, row);
            new Span<float>(o + g * dh, dh).Clear();
        }

        for (int b = first / bs, p0 = first; p0 <= last; b++)
        {
            for (int end = Math.Min((b + 1) * bs, last + 1); p0 < end;)
            {
                int count = Math.Min(end - p0, TRows.MaxRun);
                float* v = TRows.Load(_v, (long)table[b] * bs + p0 - b * bs, count, kvWidth, kvh * dh, dh, widened);
                float* w = scores + (p0 - first);
                // Pairs of heads keep their outputs in registers over the run; an odd last head goes position by position.
                int g0 = 0;
                for (; g0 + 2 <= n; g0 += 2)
                    AttentionMath.AxpyRun2(w + g0 * stride, w + (g0 + 1) * stride, v, rs, count, dh, o + g0 * dh, o + (g0 + 1) * dh);
                int i = 0;
                for (; i + 4 <= count; i += 4)
                {
                    for (int g = g0; g < n; g++)
                        AttentionMath.Axpy4(w + g * stride + i, v + (long)i * rs, rs, dh, o + g * dh);
                }
                for (; i < count; i++)
                {
                    for (int g = g0; g < n; g++)
                        AttentionMath.Axpy1(w[g * stride + i], v + (long)i * rs, dh, o + g * dh);
                }
                p0 += count;
            }
        }
    }

    // Softmax with one more logit, the sink (GPT-OSS), which only adds exp(sink - max) to the denominator.
    private static void SoftMaxWithSink(Span<float> scores, float sink)
    {
        float max = MathF.Max(TensorPrimitives.Max(scores), sink);
        TensorPrimitives.Subtract(scores, max, scores);
        TensorPrimitives.Exp(scores, scores);
        float sum = TensorPrimitives.Sum(scores) + MathF.Exp(sink - max);
        TensorPrimitives.Divide(scores, sum, scores);
    }

    // s = c · tanh(s / c) (Gemma 2's attention logit soft-capping), element by element.
    private static void Softcap(Span<float> scores, float c)
    {
        TensorPrimitives.Divide(scores, c, scores);
        TensorPrimitives.Tanh(scores, scores);
        TensorPrimitives.Multiply(scores, c, scores);
    }

    /// <summary>How a KV cache's rows of one head reach the kernels as f32.</summary>
    private interface IKvRows
    {
        /// <summary>The most positions one <see cref="Load"/> may be asked for.</summary>
        static abstract int MaxRun { get; }

        /// <summary>Floats between consecutive rows of what <see cref="Load"/> returns.</summary>
        static abstract int Stride(int kvWidth, int dh);

        /// <summary>
        /// Rows [row, row + count) of cache ([rows, kvWidth]), columns [col, col + dh), as f32 rows <see cref="Stride"/>
        /// apart. scratch: [MaxRun, dh] f32, used only when the cache must be widened.
        /// </summary>
        static abstract float* Load(void* cache, long row, int count, int kvWidth, int col, int dh, float* scratch);
    }

    // An f32 cache is read in place: blocks of any size in one run.
    private readonly struct F32Rows : IKvRows
    {
        public static int MaxRun => int.MaxValue;

        public static int Stride(int kvWidth, int dh) => kvWidth;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float* Load(void* cache, long row, int count, int kvWidth, int col, int dh, float* scratch) =>
            (float*)cache + row * kvWidth + col;
    }

    // An f16 cache is widened (exactly) into the worker's scratch, F16Run positions at most.
    private readonly struct F16Rows : IKvRows
    {
        public static int MaxRun => F16Run;

        public static int Stride(int kvWidth, int dh) => dh;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float* Load(void* cache, long row, int count, int kvWidth, int col, int dh, float* scratch)
        {
            Half* from = (Half*)cache + row * kvWidth + col;
            for (int i = 0; i < count; i++)
                TensorPrimitives.ConvertToSingle(new ReadOnlySpan<Half>(from + (long)i * kvWidth, dh), new Span<float>(scratch + (long)i * dh, dh));
            return scratch;
        }
    }
}
