// The paged-KV ops of the CPU stream (issue 7): PagedAttention over block tables and ScatterRows of new
// keys and values into their cache slots. Every argument is checked here, at the op boundary, so a bad
// block table is an exception naming the sequence and position, never a read or write outside the cache.
// Messages are built only on failure: a decode step calls these once per layer and must not allocate.
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Backends.Cpu;

internal sealed unsafe partial class CpuComputeStream
{
    private int[] _scatterCheck = []; // [T] sorted copy of ScatterRows' rows, to find repeats without allocating

    public void PagedAttention(DeviceTensor q, DeviceTensor keyCache, DeviceTensor valueCache, int blockSize,
        ReadOnlySpan<AttentionSequence> sequences, ReadOnlySpan<int> blockTables, int numHeads, int numKvHeads, DeviceTensor dst)
    {
        // T = query rows, H = heads, Hkv = kv heads, Dh = head dim
        int dh = numHeads > 0 ? q.Cols / numHeads : 0;
        Check(numHeads > 0 && numKvHeads > 0 && numHeads % numKvHeads == 0 && dh > 0 && q.Cols == numHeads * dh,
              "PagedAttention: q must be [T, H·Dh] with H a multiple of Hkv");
        Check(q.Type == DType.F32 && dst.Type == DType.F32 && dst.Rows == q.Rows && dst.Cols == q.Cols, "PagedAttention: dst must be f32 shaped as q");
        Check(keyCache.Type == DType.F32 && valueCache.Type == DType.F32 && keyCache.Cols == numKvHeads * dh
              && valueCache.Rows == keyCache.Rows && valueCache.Cols == keyCache.Cols,
              "PagedAttention: key and value caches must both be [numBlocks·blockSize, Hkv·Dh] f32");
        Check(blockSize > 0 && keyCache.Rows % blockSize == 0, "PagedAttention: the cache rows must be a whole number of blocks");
        int numBlocks = keyCache.Rows / blockSize, t = q.Rows;

        // Every query row belongs to exactly one sequence; every block a sequence reads is in the cache.
        var rowSequence = _pagedAttention.RowSequence(t);
        rowSequence.Fill(-1);
        int maxContext = 0;
        for (int i = 0; i < sequences.Length; i++)
        {
            var s = sequences[i];
            if (s.QueryCount < 1 || s.QueryRow < 0 || (long)s.QueryRow + s.QueryCount > t || s.StartPos < 0 || s.BlockTableOffset < 0)
                ThrowSequence(i, s, t);
            long context = (long)s.StartPos + s.QueryCount;
            long blocks = (context + blockSize - 1) / blockSize;
            if (s.BlockTableOffset + blocks > blockTables.Length)
                ThrowTableTooShort(i, s, blocks, blockTables.Length);
            for (int b = 0; b < blocks; b++)
            {
                int id = blockTables[s.BlockTableOffset + b];
                if ((uint)id >= (uint)numBlocks)
                    ThrowBlockId(i, (long)b * blockSize, id, numBlocks);
            }
            for (int r = s.QueryRow; r < s.QueryRow + s.QueryCount; r++)
            {
                if (rowSequence[r] >= 0)
                    ThrowRowTwice(r, rowSequence[r], i);
                rowSequence[r] = i;
            }
            maxContext = Math.Max(maxContext, (int)context);
        }
        int orphan = rowSequence.IndexOf(-1);
        if (orphan >= 0)
            Throw($"PagedAttention: query row {orphan} of {t} belongs to no sequence");
        if (t == 0)
            return;

        fixed (AttentionSequence* ps = sequences)
        fixed (int* pt = blockTables)
        {
            _pagedAttention.Set(P32(q), P32(keyCache), P32(valueCache), P32(dst), t, numHeads, numKvHeads, dh, blockSize, ps, pt, maxContext);
            _pool.For(_pagedAttention.Items, _pagedAttention);
        }
    }

    public void ScatterRows(DeviceTensor src, ReadOnlySpan<int> rows, DeviceTensor dst)
    {
        Check(src.Type == dst.Type && src.Cols == dst.Cols && src.Rows == rows.Length,
              "ScatterRows: src must be [T, C] and dst [R, C] of the same dtype, with one row index per src row");
        if (_scatterCheck.Length < rows.Length)
            _scatterCheck = new int[Math.Max(rows.Length, 2 * _scatterCheck.Length)]; // grows once per largest T
        var sorted = _scatterCheck.AsSpan(0, rows.Length);
        rows.CopyTo(sorted);
        sorted.Sort();
        for (int i = 0; i < sorted.Length; i++)
        {
            if ((uint)sorted[i] >= (uint)dst.Rows)
                ThrowScatterRow(rows, sorted[i], dst.Rows);
            if (i > 0 && sorted[i] == sorted[i - 1])
                Throw($"ScatterRows: destination row {sorted[i]} is written twice");
        }
        long rowBytes = src.RowBytes;
        byte* from = Ptr(src), to = Ptr(dst);
        for (int i = 0; i < rows.Length; i++)
            Buffer.MemoryCopy(from + i * rowBytes, to + rows[i] * rowBytes, rowBytes, rowBytes);
    }

    private static void ThrowSequence(int i, AttentionSequence s, int t) =>
        Throw($"PagedAttention: sequence {i} {s} does not fit {t} query rows (needs QueryCount >= 1, rows inside [0, {t}), StartPos and BlockTableOffset >= 0)");

    private static void ThrowTableTooShort(int i, AttentionSequence s, long blocks, int length) =>
        Throw($"PagedAttention: sequence {i} needs {blocks} block table entries from offset {s.BlockTableOffset} for positions 0..{s.ContextLength - 1}, the tables hold {length}");

    private static void ThrowBlockId(int i, long position, int id, int numBlocks) =>
        Throw($"PagedAttention: sequence {i}, position {position}: block id {id} is outside the cache of {numBlocks} blocks");

    private static void ThrowRowTwice(int row, int first, int second) =>
        Throw($"PagedAttention: query row {row} belongs to both sequence {first} and sequence {second}");

    private static void ThrowScatterRow(ReadOnlySpan<int> rows, int row, int dstRows) =>
        Throw($"ScatterRows: source row {rows.IndexOf(row)} goes to destination row {row}, outside [0, {dstRows})");
}
