// Causal GQA attention for a batch of sequences over a paged KV cache (vLLM's paged_attention;
// ReferenceOps.PagedAttentionReference is the oracle). One work item is one query row and a run of the
// query heads that share a KV head, as in AttentionJob: scores q·k per position, softmax, out = Σ w·v.
// Batch invariance: every number a query row gets depends only on that row's q and the keys and values
// of its own positions, never on the other rows of the call, the block layout, or how heads are split
// over items. So each score is one Dot (the same lanes and horizontal sum whichever position group it is
// in), each output accumulates positions strictly in order (a fused multiply-add per position and lane),
// and each head's score row starts 64-byte aligned (TensorPrimitives' softmax sums by alignment). That
// rules out AttentionJob's transposed-key prefill scores (32 positions per FMA chain, a different sum
// order from decode's dot); prefill chunks here cost what the plain score path costs.
using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Meridian.Core.Backends;

namespace Meridian.Backends.Cpu;

internal sealed unsafe class PagedAttentionJob : IParallelJob, IDisposable
{
    private readonly int _workers;
    private readonly float*[] _scores;   // per worker: [heads per item, scoreStride] f32, 64-byte aligned
    private readonly long[] _scoreCapacity; // floats
    private int[] _rowSequence = [];     // [T] the sequence each query row belongs to (filled by the caller)
    private float* _q, _k, _v, _dst;     // q, dst: [T, H·Dh]; k, v: [numBlocks·blockSize, Hkv·Dh] f32
    private AttentionSequence* _sequences;
    private int* _blockTables;
    // T = query rows, H = heads, Hkv = kv heads, Dh = head dim; a KV head serves H / Hkv query heads split
    // into `splits` items of `headsPerItem` heads.
    private int _t, _h, _hkv, _dh, _blockSize, _splits, _headsPerItem, _scoreStride;

    public PagedAttentionJob(int workers)
    {
        _workers = workers;
        _scores = new float*[workers];
        _scoreCapacity = new long[workers];
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
    /// Sets up a call whose arguments the caller has validated. sequences, blockTables: pinned by the
    /// caller until the call returns; maxContext: the longest ContextLength among the sequences.
    /// </summary>
    public void Set(float* q, float* k, float* v, float* dst, int t, int heads, int kvHeads, int headDim, int blockSize,
        AttentionSequence* sequences, int* blockTables, int maxContext)
    {
        Debug.Assert(heads % kvHeads == 0 && _rowSequence.Length >= t);
        _q = q; _k = k; _v = v; _dst = dst;
        (_t, _h, _hkv, _dh, _blockSize) = (t, heads, kvHeads, headDim, blockSize);
        _sequences = sequences;
        _blockTables = blockTables;
        // As few splits of a KV head's query heads as still give every worker several items (AttentionJob's
        // rule). The split changes which worker runs a head, never the head's arithmetic.
        int group = heads / kvHeads;
        _splits = group;
        for (int s = 1; s <= group; s++)
        {
            if (group % s == 0 && (long)t * kvHeads * s >= 4 * _workers)
            {
                _splits = s;
                break;
            }
        }
        _headsPerItem = group / _splits;
        _scoreStride = (maxContext + 15) & ~15; // 16 floats: each head's row 64-byte aligned
        long need = (long)_headsPerItem * _scoreStride;
        for (int w = 0; w < _workers; w++)
        {
            if (_scoreCapacity[w] < need)
            {
                // Native and geometric: a longer context reallocates a few times in a run, never per call,
                // and never touches the GC heap.
                long grown = Math.Max(need, 2 * _scoreCapacity[w]);
                NativeMemory.AlignedFree(_scores[w]);
                _scores[w] = (float*)NativeMemory.AlignedAlloc((nuint)(grown * sizeof(float)), 64);
                _scoreCapacity[w] = grown;
            }
        }
    }

    public void Dispose()
    {
        for (int w = 0; w < _workers; w++)
        {
            NativeMemory.AlignedFree(_scores[w]);
            _scores[w] = null;
            _scoreCapacity[w] = 0;
        }
    }

    public void Run(int start, int end, int worker)
    {
        int perRow = _hkv * _splits, group = _h / _hkv;
        float* scores = _scores[worker];
        for (int item = start; item < end; item++)
        {
            // Rows are taken in the order 0, T-1, 1, T-2, ...: a prefill chunk's work grows with the row,
            // so each worker's contiguous range of items holds early and late rows alike.
            int j = item / perRow, rest = item % perRow;
            int r = (j & 1) == 0 ? j / 2 : _t - 1 - j / 2;
            int kvh = rest / _splits, h0 = kvh * group + rest % _splits * _headsPerItem;
            ref readonly var s = ref _sequences[_rowSequence[r]];
            Heads(r, s.StartPos + (r - s.QueryRow) + 1, _blockTables + s.BlockTableOffset, kvh, h0, scores);
        }
    }

    // Query row r seeing positions [0, visible) through its block table, heads [h0, h0 + headsPerItem)
    // reading KV head kvh. scores: [headsPerItem, scoreStride].
    private void Heads(int r, int visible, int* table, int kvh, int h0, float* scores)
    {
        int dh = _dh, qWidth = _h * dh, kvWidth = _hkv * dh, n = _headsPerItem, bs = _blockSize;
        long stride = _scoreStride;
        float scale = 1f / MathF.Sqrt(dh);
        float* q = _q + (long)r * qWidth + h0 * dh;     // [n, Dh]
        float* o = _dst + (long)r * qWidth + h0 * dh;   // [n, Dh]

        for (int p0 = 0, b = 0; p0 < visible; p0 += bs, b++)
        {
            int count = Math.Min(bs, visible - p0);
            float* k = _k + ((long)table[b] * bs) * kvWidth + kvh * dh; // row p0 + i at + i·kvWidth
            int i = 0;
            for (; i + 4 <= count; i += 4)
            {
                for (int g = 0; g < n; g++)
                    AttentionMath.Dot4(q + g * dh, k + (long)i * kvWidth, kvWidth, dh, scale, scores + g * stride + p0 + i);
            }
            for (; i < count; i++)
            {
                for (int g = 0; g < n; g++)
                    scores[g * stride + p0 + i] = AttentionMath.Dot(q + g * dh, k + (long)i * kvWidth, dh) * scale;
            }
        }

        for (int g = 0; g < n; g++)
        {
            var row = new Span<float>(scores + g * stride, visible);
            TensorPrimitives.SoftMax(row, row);
            new Span<float>(o + g * dh, dh).Clear();
        }

        for (int p0 = 0, b = 0; p0 < visible; p0 += bs, b++)
        {
            int count = Math.Min(bs, visible - p0);
            float* v = _v + ((long)table[b] * bs) * kvWidth + kvh * dh;
            int i = 0;
            for (; i + 4 <= count; i += 4)
            {
                for (int g = 0; g < n; g++)
                    AttentionMath.Axpy4(scores + g * stride + p0 + i, v + (long)i * kvWidth, kvWidth, dh, o + g * dh);
            }
            for (; i < count; i++)
            {
                for (int g = 0; g < n; g++)
                    AttentionMath.Axpy1(scores[g * stride + p0 + i], v + (long)i * kvWidth, dh, o + g * dh);
            }
        }
    }
}
