// PagedAttention on the CPU stream (issue 7; contract v1: sequences and block tables are i32 tensors, read in
// place). Every argument is checked here, at the op boundary, so a bad block table is an exception naming the
// sequence and position, never a read outside the cache; the batch's MaxContextLength sizes the scratch only
// after the real sequences are checked against it. Messages are built only on failure: a decode step calls
// this once per layer and must not allocate.
using System.Diagnostics.CodeAnalysis;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Backends.Cpu;

internal sealed unsafe partial class CpuComputeStream
{
    public void PagedAttention(DeviceTensor q, DeviceTensor keyCache, DeviceTensor valueCache, in PagedAttentionBatch batch,
        in AttentionParams p, DeviceTensor dst)
    {
        // T = query rows, H = heads, Hkv = kv heads, Dh = head dim
        p.Validate();
        int dh = p.HeadDim, bs = batch.BlockSize;
        Check(q.Type == DType.F32 && (long)q.Cols == (long)p.NumHeads * dh, "PagedAttention: q must be [T, H·Dh] f32");
        Check(dst.Type == DType.F32 && dst.Rows == q.Rows && dst.Cols == q.Cols, "PagedAttention: dst must be f32 shaped as q");
        Check(keyCache.Type is DType.F32 or DType.F16 && valueCache.Type == keyCache.Type && (long)keyCache.Cols == (long)p.NumKvHeads * dh
              && valueCache.Rows == keyCache.Rows && valueCache.Cols == keyCache.Cols,
              "PagedAttention: key and value caches must both be [numBlocks·blockSize, Hkv·Dh], both f32 or both f16");
        Check(bs > 0 && keyCache.Rows % bs == 0, "PagedAttention: the cache rows must be a whole number of blocks");
        Check(batch.Sequences.Type == DType.I32 && batch.Sequences.Cols == 4, "PagedAttention: the sequences must be an [S, 4] i32 tensor");
        Check(batch.BlockTables.Type == DType.I32 && batch.BlockTables.Cols == 1, "PagedAttention: the block tables must be an [N, 1] i32 tensor");
        var sequences = new ReadOnlySpan<AttentionSequence>(Ptr(batch.Sequences), batch.Sequences.Rows);
        var blockTables = I32(batch.BlockTables);
        int numBlocks = keyCache.Rows / bs, t = q.Rows;

        // Every query row belongs to exactly one sequence; every block a sequence reads is in the cache.
        var rowSequence = _pagedAttention.RowSequence(t);
        rowSequence.Fill(-1);
        for (int i = 0; i < sequences.Length; i++)
        {
            var s = sequences[i];
            if (s.QueryCount < 1 || s.QueryRow < 0 || (long)s.QueryRow + s.QueryCount > t || s.StartPos < 0 || s.BlockTableOffset < 0)
                ThrowSequence(i, s, t);
            long context = (long)s.StartPos + s.QueryCount;
            if (context > batch.MaxContextLength)
                ThrowContext(i, context, batch.MaxContextLength);
            long blocks = (context + bs - 1) / bs;
            if (s.BlockTableOffset + blocks > blockTables.Length)
                ThrowTableTooShort(i, s, blocks, blockTables.Length);
            for (int b = 0; b < blocks; b++)
            {
                int id = blockTables[s.BlockTableOffset + b];
                if ((uint)id >= (uint)numBlocks)
                    ThrowBlockId(i, (long)b * bs, id, numBlocks);
            }
            for (int r = s.QueryRow; r < s.QueryRow + s.QueryCount; r++)
            {
                if (rowSequence[r] >= 0)
                    ThrowRowTwice(r, rowSequence[r], i);
                rowSequence[r] = i;
            }
        }
        int orphan = rowSequence.IndexOf(-1);
        if (orphan >= 0)
            Throw($"PagedAttention: query row {orphan} of {t} belongs to no sequence");
        if (t == 0)
            return;

        // Score rows hold the positions one query row sees: at most MaxContextLength (checked above), and at most
        // the window.
        int scoreLength = p.SlidingWindow > 0 ? Math.Min(batch.MaxContextLength, p.SlidingWindow) : batch.MaxContextLength;
        float* sinks = null;
        if (p.Sinks is { } sinkTensor)
        {
            Check(sinkTensor.Type == DType.F32 && (long)sinkTensor.Rows * sinkTensor.Cols == p.NumHeads, "PagedAttention: sinks must be H f32 values");
            sinks = P32(sinkTensor);
        }
        _pagedAttention.Set(P32(q), Ptr(keyCache), Ptr(valueCache), keyCache.Type == DType.F16, P32(dst), t, p, bs,
            (AttentionSequence*)Ptr(batch.Sequences), (int*)Ptr(batch.BlockTables), scoreLength, sinks);
        _pool.For(_pagedAttention.Items, _pagedAttention);
    }

    [DoesNotReturn]
    private static void ThrowSequence(int i, AttentionSequence s, int t) =>
        Throw($"PagedAttention: sequence {i} {s} does not fit {t} query rows (needs QueryCount >= 1, rows inside [0, {t}), StartPos and BlockTableOffset >= 0)");

    [DoesNotReturn]
    private static void ThrowContext(int i, long context, int max) =>
        Throw($"PagedAttention: sequence {i} attends over {context} positions, more than the batch's MaxContextLength {max}");

    [DoesNotReturn]
    private static void ThrowTableTooShort(int i, AttentionSequence s, long blocks, int length) =>
        Throw($"PagedAttention: sequence {i} needs {blocks} block table entries from offset {s.BlockTableOffset} for positions 0..{s.ContextLength - 1}, the tables hold {length}");

    [DoesNotReturn]
    private static void ThrowBlockId(int i, long position, int id, int numBlocks) =>
        Throw($"PagedAttention: sequence {i}, position {position}: block id {id} is outside the cache of {numBlocks} blocks");

    [DoesNotReturn]
    private static void ThrowRowTwice(int row, int first, int second) =>
        Throw($"PagedAttention: query row {row} belongs to both sequence {first} and sequence {second}");
}
