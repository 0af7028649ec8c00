// PagedAttention cases for one KV dtype (F32 or F16): GQA ratios 1/4/8, head dims 64/80/128/256, block sizes
// 1/16/32, ragged sequences mixing prefill chunks and decodes in one batch, shuffled block tables (a
// permutation of the cache's blocks, with spare blocks no sequence owns), sequences listed out of query-row
// order, sliding windows, softcap, a custom scale, context 512 and T = 512. The cache is filled with random
// values everywhere, so a read of a row a sequence does not own changes the result. For F16 the reference
// reads the cache decoded from the f16 bytes (ScatterRowsF16Reference's rounding). Two cases per dtype run
// ScatterRows and PagedAttention in one step, as a forward pass does.
using Meridian.Conformance.Checking;
using Meridian.Conformance.Inputs;
using Meridian.Core.Backends;
using Meridian.Core.Ops;
using Meridian.Core.Tensors;

namespace Meridian.Conformance.Ops;

internal static class AttentionCases
{
    /// <summary>A sequence of a case: <paramref name="QueryCount"/> new positions from <paramref name="StartPos"/>.</summary>
    private readonly record struct Seq(int StartPos, int QueryCount)
    {
        public override string ToString() => $"{QueryCount}@{StartPos}";
    }

    private sealed record Spec(int Heads, int KvHeads, int HeadDim, int BlockSize, Seq[] Seqs, int Window = 0, float Softcap = 0f,
        float? Scale = null, bool Reversed = false, bool ScatterInStep = false, bool Sinks = false)
    {
        public AttentionParams Params => new(Heads, KvHeads, HeadDim, Scale ?? 1f / MathF.Sqrt(HeadDim), Window, Softcap);

        public override string ToString() =>
            $"H={Heads} Hkv={KvHeads} Dh={HeadDim} bs={BlockSize} seqs={string.Join(",", Seqs)}" +
            (Window > 0 ? $" window={Window}" : "") + (Softcap > 0 ? $" softcap={Softcap:G}" : "") +
            (Scale is { } s ? $" scale={s:G}" : "") + (Reversed ? " listed in reverse" : "") +
            (ScatterInStep ? " after scatter_rows in one step" : "") + (Sinks ? " with sinks" : "");
    }

    private static readonly Seq[] Mixed = [new(0, 7), new(37, 1), new(20, 5)];
    private static readonly Seq[] SmallChunks = [new(10, 2), new(0, 3), new(31, 4), new(5, 6), new(17, 8)];
    private static readonly Seq[] Decodes = [new(0, 1), new(4, 1), new(15, 1), new(16, 1), new(17, 1), new(33, 1), new(63, 1), new(100, 1)];

    public static IEnumerable<OpCase> For(DType kv, bool canScatter, bool sinks = false)
    {
        if (sinks)
        {
            // Contract 1.1's sinks (GPT-OSS): per-head logits that only join the softmax's denominator.
            yield return Case(kv, new Spec(8, 2, 64, 16, Mixed, Sinks: true));
            yield return Case(kv, new Spec(8, 1, 64, 16, Decodes, Window: 5, Sinks: true));
        }
        (int H, int Hkv)[] groups = [(4, 4), (8, 2), (8, 1)];
        int i = 0;
        foreach (int dh in (int[])[64, 80, 128, 256])
        {
            foreach (var (h, hkv) in groups)
            {
                int bs = ((int[])[16, 1, 32])[i % 3];
                var spec = (i % 4) switch
                {
                    2 => new Spec(h, hkv, dh, bs, Mixed, Window: 5),
                    3 => new Spec(h, hkv, dh, bs, Mixed, Softcap: 1.5f, Scale: 1f),
                    _ => new Spec(h, hkv, dh, bs, i % 2 == 0 ? Mixed : SmallChunks),
                };
                i++;
                yield return Case(kv, spec);
            }
        }
        yield return Case(kv, new Spec(4, 4, 64, 16, [new(0, 1)]));
        yield return Case(kv, new Spec(8, 2, 128, 16, [new(0, 61)]));
        yield return Case(kv, new Spec(8, 2, 128, 32, [new(0, 61)], Window: 17));
        yield return Case(kv, new Spec(8, 1, 80, 16, [new(100, 16), new(3, 1)], Window: 17, Reversed: true));
        yield return Case(kv, new Spec(8, 1, 128, 16, Decodes, Reversed: true));
        yield return Case(kv, new Spec(8, 2, 64, 4, SmallChunks, Scale: 0.05f));
        yield return Case(kv, new Spec(4, 1, 64, 16, Decodes, Window: 5, Softcap: 2f, Scale: 0.5f));
        yield return Case(kv, new Spec(32, 8, 128, 16, [new(511, 1)]));
        yield return Case(kv, new Spec(8, 4, 256, 32, [new(511, 1), new(200, 3)]));
        yield return Case(kv, new Spec(4, 1, 64, 32, [new(0, 512)]));
        // Long and short rows together, a sliding window across several 256-key stretches (devices that split long
        // contexts into chunks, as the Vulkan backend does past 256 keys, must merge them for any window).
        yield return Case(kv, new Spec(8, 2, 64, 16, [new(5, 2), new(700, 2), new(250, 12)], Window: 300));
        if (canScatter)
        {
            yield return Case(kv, new Spec(8, 2, 64, 16, Decodes, ScatterInStep: true));
            yield return Case(kv, new Spec(8, 2, 128, 16, Mixed, Window: 5, ScatterInStep: true));
        }
    }

    private static OpCase Case(DType kv, Spec spec) => new(BackendOp.PagedAttention, kv, spec.ToString(), c => Run(c, kv, spec));

    private static void Run(CaseContext c, DType kv, Spec spec)
    {
        var p = spec.Params;
        int qWidth = p.NumHeads * p.HeadDim, kvWidth = p.NumKvHeads * p.HeadDim, bs = spec.BlockSize;

        // Query rows in the order of spec.Seqs; blocks: a shuffled permutation of the cache, 3 spare.
        var sequences = new AttentionSequence[spec.Seqs.Length];
        int rows = 0, tableLength = 0;
        for (int s = 0; s < spec.Seqs.Length; s++)
        {
            var seq = spec.Seqs[s];
            sequences[s] = new AttentionSequence(rows, seq.QueryCount, seq.StartPos, tableLength);
            rows += seq.QueryCount;
            tableLength += (seq.StartPos + seq.QueryCount + bs - 1) / bs;
        }
        int numBlocks = tableLength + 3, cacheRows = numBlocks * bs;
        var tables = InputData.Permutation(c.Rng, numBlocks)[..tableLength];
        var listed = spec.Reversed ? sequences.Reverse().ToArray() : sequences;
        int maxContext = sequences.Max(s => s.ContextLength);

        var qValues = InputData.Uniform(c.Rng, rows * qWidth);
        var kValues = InputData.Uniform(c.Rng, cacheRows * kvWidth);
        var vValues = InputData.Uniform(c.Rng, cacheRows * kvWidth);
        var q = c.InputF32("q", rows, qWidth, qValues);
        var keyCache = CacheInput(c, "key cache", kv, cacheRows, kvWidth, kValues, out var kRef);
        var valueCache = CacheInput(c, "value cache", kv, cacheRows, kvWidth, vValues, out var vRef);
        var seqTensor = c.InputI32("sequences", System.Runtime.InteropServices.MemoryMarshal.Cast<AttentionSequence, int>(listed.AsSpan()), 4);
        var tableTensor = c.InputI32("block tables", tables);
        var dst = c.OutputF32("dst", rows, qWidth);
        var batch = new PagedAttentionBatch(seqTensor.Tensor, tableTensor.Tensor, bs, maxContext);
        // Sinks around the scores' range (scores here are about ±2), some of them dominant.
        float[] sinkValues = spec.Sinks ? InputData.Uniform(c.Rng, p.NumHeads, -3f, 6f) : [];
        if (spec.Sinks)
            p = p with { Sinks = c.InputF32("sinks", 1, p.NumHeads, sinkValues).Tensor };

        if (!spec.ScatterInStep)
        {
            c.Step(s => s.PagedAttention(q.Tensor, keyCache.Tensor, valueCache.Tensor, batch, p, dst.Tensor));
        }
        else
        {
            // The batch's new keys and values go into their slots in the same step, before attention reads them.
            var slots = new int[rows];
            foreach (var s in sequences)
            {
                for (int j = 0; j < s.QueryCount; j++)
                {
                    int pos = s.StartPos + j;
                    slots[s.QueryRow + j] = tables[s.BlockTableOffset + pos / bs] * bs + pos % bs;
                }
            }
            var newK = InputData.Uniform(c.Rng, rows * kvWidth);
            var newV = InputData.Uniform(c.Rng, rows * kvWidth);
            var kIn = c.InputF32("new keys", rows, kvWidth, newK);
            var vIn = c.InputF32("new values", rows, kvWidth, newV);
            var slotTensor = c.InputI32("slots", slots);
            c.Written(keyCache);
            c.Written(valueCache);
            c.Step(s =>
            {
                s.ScatterRows(kIn.Tensor, slotTensor.Tensor, keyCache.Tensor);
                s.ScatterRows(vIn.Tensor, slotTensor.Tensor, valueCache.Tensor);
                s.PagedAttention(q.Tensor, keyCache.Tensor, valueCache.Tensor, batch, p, dst.Tensor);
            });
            ScatterReference(newK, slots, kvWidth, kv, kRef);
            ScatterReference(newV, slots, kvWidth, kv, vRef);
        }
        var expected = new float[rows * qWidth];
        ReferenceOps.PagedAttentionReference(qValues, kRef, vRef, bs, sequences, tables, p, expected, sinkValues);
        c.ExpectClose("dst", c.ReadF32(dst), expected, qWidth, Tolerances.PagedAttention);
    }

    // The cache on the device in its dtype, and the f32 values the reference reads (decoded f16 for F16).
    private static GuardedTensor CacheInput(CaseContext c, string name, DType kv, int rows, int cols, float[] values, out float[] reference)
    {
        if (kv == DType.F32)
        {
            reference = values;
            return c.InputF32(name, rows, cols, values, BufferUsage.KvCache);
        }
        var bytes = InputData.ToF16Bytes(values);
        reference = InputData.Decode(DType.F16, bytes, values.Length);
        return c.Input(name, DType.F16, rows, cols, bytes, BufferUsage.KvCache);
    }

    // The host copy of the cache after ScatterRows: f32 rows as they are, or rounded to f16 and back.
    private static void ScatterReference(float[] src, int[] slots, int cols, DType kv, float[] cache)
    {
        if (kv == DType.F32)
        {
            ReferenceOps.ScatterRowsReference<float>(src, slots, cols, cache);
            return;
        }
        var halves = new Half[cache.Length];
        for (int i = 0; i < halves.Length; i++)
            halves[i] = (Half)cache[i]; // exact: cache holds decoded f16 values
        ReferenceOps.ScatterRowsF16Reference(src, slots, cols, halves);
        for (int i = 0; i < halves.Length; i++)
            cache[i] = (float)halves[i];
    }
}
