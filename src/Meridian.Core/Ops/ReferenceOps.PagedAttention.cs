// Reference paged attention (vLLM's paged_attention, https://arxiv.org/abs/2309.06180): each sequence's
// keys and values are gathered from its cache blocks into contiguous rows, then AttentionReference runs.
using Meridian.Core.Backends;

namespace Meridian.Core.Ops;

public static partial class ReferenceOps
{
    /// <summary>
    /// q, dst: [T, H·Dh] (T = Σ QueryCount); keyCache, valueCache: [numBlocks·blockSize, Hkv·Dh]. Sequence s
    /// owns query rows [QueryRow, QueryRow + QueryCount) at positions StartPos.. ; its position p is cache row
    /// blockTables[BlockTableOffset + p / blockSize]·blockSize + p % blockSize. Same maths as
    /// <see cref="AttentionReference"/> per sequence; arguments are trusted (the backends validate).
    /// </summary>
    public static void PagedAttentionReference(ReadOnlySpan<float> q, ReadOnlySpan<float> keyCache, ReadOnlySpan<float> valueCache,
        int blockSize, ReadOnlySpan<AttentionSequence> sequences, ReadOnlySpan<int> blockTables,
        int numHeads, int numKvHeads, int headDim, Span<float> dst)
    {
        int qWidth = numHeads * headDim, kvWidth = numKvHeads * headDim;
        foreach (var s in sequences)
        {
            // [ContextLength, Hkv·Dh] each: the sequence's positions in order.
            var keys = new float[s.ContextLength * kvWidth];
            var values = new float[s.ContextLength * kvWidth];
            for (int p = 0; p < s.ContextLength; p++)
            {
                int row = blockTables[s.BlockTableOffset + p / blockSize] * blockSize + p % blockSize;
                keyCache.Slice(row * kvWidth, kvWidth).CopyTo(keys.AsSpan(p * kvWidth));
                valueCache.Slice(row * kvWidth, kvWidth).CopyTo(values.AsSpan(p * kvWidth));
            }
            AttentionReference(q.Slice(s.QueryRow * qWidth, s.QueryCount * qWidth), keys, values, s.StartPos,
                numHeads, numKvHeads, headDim, dst.Slice(s.QueryRow * qWidth, s.QueryCount * qWidth));
        }
    }
}
