// Reference paged attention (vLLM's paged_attention, https://arxiv.org/abs/2309.06180): each sequence's
// keys and values are gathered from its cache blocks into contiguous rows, then AttentionReference runs.
using Meridian.Core.Backends;

namespace Meridian.Core.Ops;

public static partial class ReferenceOps
{
    /// <summary>
    /// q, dst: [T, H·Dh] (T = Σ QueryCount); keyCache, valueCache: [numBlocks·blockSize, Hkv·Dh] (an f16 cache is
    /// passed decoded to f32). Sequence s owns query rows [QueryRow, QueryRow + QueryCount) at positions
    /// StartPos.. ; its position p is cache row blockTables[BlockTableOffset + p / blockSize]·blockSize + p % blockSize.
    /// Same maths as <see cref="AttentionReference"/> per sequence; arguments are trusted (the backends validate).
    /// </summary>
    public static void PagedAttentionReference(ReadOnlySpan<float> q, ReadOnlySpan<float> keyCache, ReadOnlySpan<float> valueCache,
        int blockSize, ReadOnlySpan<AttentionSequence> sequences, ReadOnlySpan<int> blockTables, in AttentionParams p, Span<float> dst,
        ReadOnlySpan<float> sinks = default)
    {
        int qWidth = p.NumHeads * p.HeadDim, kvWidth = p.NumKvHeads * p.HeadDim;
        foreach (var s in sequences)
        {
            // [ContextLength, Hkv·Dh] each: the sequence's positions in order.
            var keys = new float[s.ContextLength * kvWidth];
            var values = new float[s.ContextLength * kvWidth];
            for (int j = 0; j < s.ContextLength; j++)
            {
                int row = blockTables[s.BlockTableOffset + j / blockSize] * blockSize + j % blockSize;
                keyCache.Slice(row * kvWidth, kvWidth).CopyTo(keys.AsSpan(j * kvWidth));
                valueCache.Slice(row * kvWidth, kvWidth).CopyTo(values.AsSpan(j * kvWidth));
            }
            AttentionReference(q.Slice(s.QueryRow * qWidth, s.QueryCount * qWidth), keys, values, s.StartPos, p,
                dst.Slice(s.QueryRow * qWidth, s.QueryCount * qWidth), sinks);
        }
    }
}
