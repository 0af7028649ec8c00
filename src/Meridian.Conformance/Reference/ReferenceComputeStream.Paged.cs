// Paged attention on the reference device: the batch's i32 tensors are read and checked (every sequence's
// rows, positions and block-table entries in range), an F16 cache is decoded to f32 (as ScatterRowsF16Reference
// wrote it), then ReferenceOps.PagedAttentionReference runs.
using System.Runtime.InteropServices;
using Meridian.Core.Backends;
using Meridian.Core.Ops;
using Meridian.Core.Tensors;

namespace Meridian.Conformance.Reference;

internal sealed partial class ReferenceComputeStream
{
    public void PagedAttention(DeviceTensor q, DeviceTensor keyCache, DeviceTensor valueCache, in PagedAttentionBatch batch,
        in AttentionParams p, DeviceTensor dst)
    {
        const string op = "PagedAttention";
        p.Validate();
        CheckSupported(BackendOp.PagedAttention, keyCache.Type, op);
        if (valueCache.Type != keyCache.Type || valueCache.Rows != keyCache.Rows || valueCache.Cols != keyCache.Cols)
            throw new ArgumentException($"{op}: key cache {keyCache.Type.Name()} [{keyCache.Rows}, {keyCache.Cols}] and value cache {valueCache.Type.Name()} [{valueCache.Rows}, {valueCache.Cols}] differ");
        int qWidth = p.NumHeads * p.HeadDim, kvWidth = p.NumKvHeads * p.HeadDim;
        if (keyCache.Cols != kvWidth)
            throw new ArgumentException($"{op}: cache rows are {keyCache.Cols} wide; {p.NumKvHeads} kv heads of {p.HeadDim} need {kvWidth}");
        if (batch.BlockSize < 1 || keyCache.Rows % batch.BlockSize != 0)
            throw new ArgumentException($"{op}: block size {batch.BlockSize} must be positive and divide the cache's {keyCache.Rows} rows");
        var query = Floats(q, op, "q", q.Rows, qWidth);
        var output = Floats(dst, op, "dst", q.Rows, qWidth);
        if (batch.Sequences.Cols != 4)
            throw new ArgumentException($"{op}: batch.Sequences is [{batch.Sequences.Rows}, {batch.Sequences.Cols}]; it must be [S, 4] i32");
        var seqInts = Ints(batch.Sequences, op, "batch.Sequences", batch.Sequences.Rows, 4);
        var sequences = MemoryMarshal.Cast<int, AttentionSequence>(seqInts);
        var tables = Ints(batch.BlockTables, op, "batch.BlockTables", batch.BlockTables.Rows, 1);
        int numBlocks = keyCache.Rows / batch.BlockSize;
        for (int s = 0; s < sequences.Length; s++)
        {
            var seq = sequences[s];
            if (seq.QueryRow < 0 || seq.QueryCount < 0 || seq.QueryRow + seq.QueryCount > q.Rows || seq.StartPos < 0)
                throw new ArgumentException($"{op}: sequence {s} ({seq}) does not fit the {q.Rows} query rows");
            if (seq.ContextLength > batch.MaxContextLength)
                throw new ArgumentException($"{op}: sequence {s} attends over {seq.ContextLength} positions, more than batch.MaxContextLength {batch.MaxContextLength}");
            int blocks = (seq.ContextLength + batch.BlockSize - 1) / batch.BlockSize;
            if (seq.BlockTableOffset < 0 || seq.BlockTableOffset + blocks > tables.Length)
                throw new ArgumentException($"{op}: sequence {s} needs block-table entries {seq.BlockTableOffset}..{seq.BlockTableOffset + blocks - 1}; the table has {tables.Length}");
            CheckIndexes(tables.Slice(seq.BlockTableOffset, blocks), numBlocks, op, $"block table of sequence {s}");
        }
        ReadOnlySpan<float> sinks = p.Sinks is { } sinkTensor ? Floats(sinkTensor, op, "p.Sinks", 1, p.NumHeads) : default;
        ReferenceOps.PagedAttentionReference(query, CacheF32(keyCache, op, "keyCache"), CacheF32(valueCache, op, "valueCache"),
            batch.BlockSize, sequences, tables, p, output, sinks);
    }

    // The cache as f32 values: an F32 cache in place, an F16 one decoded (exact widening).
    private float[] CacheF32(DeviceTensor cache, string op, string name)
    {
        var bytes = Bytes(cache, op, name);
        if (cache.Type == DType.F32)
            return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
        var halves = MemoryMarshal.Cast<byte, Half>(bytes);
        var values = new float[halves.Length];
        for (int i = 0; i < values.Length; i++)
            values[i] = (float)halves[i];
        return values;
    }
}
