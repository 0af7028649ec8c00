// EmbeddingLookup cases for one table dtype: rows of a [V, D] table (loaded with LoadWeights, WeightUse.Any)
// gathered by i32 ids (first row, last row, repeats) and decoded to f32, against
// ReferenceOps.EmbeddingLookupReference. D is a ragged number of blocks.
using Meridian.Conformance.Inputs;
using Meridian.Core.Backends;
using Meridian.Core.Ops;
using Meridian.Core.Tensors;

namespace Meridian.Conformance.Ops;

internal static class EmbeddingCases
{
    public static IEnumerable<OpCase> For(DType type)
    {
        int block = type.Info().BlockSize;
        int d = block == 1 ? 45 : 3 * block;
        foreach (int t in (int[])[1, 7, 61])
            yield return Case(type, v: 37, d, t);
        yield return Case(type, v: 300, d: block == 1 ? 896 : (block == 32 ? 28 : 4) * block, t: 5);
    }

    private static OpCase Case(DType type, int v, int d, int t) => new(BackendOp.EmbeddingLookup, type, $"V={v} D={d} T={t}", c =>
    {
        var tableBytes = InputData.Weights(c.Rng, type, v, d);
        var ids = InputData.Indexes(c.Rng, t, v);
        ids[0] = v - 1;
        if (t > 2)
            (ids[1], ids[2]) = (0, ids[^1]); // the first row, and a repeat
        var table = c.Weight("table", type, v, d, tableBytes, WeightUse.Any);
        var idTensor = c.InputI32("ids", ids);
        var dst = c.OutputF32("dst", t, d);
        c.Step(s => s.EmbeddingLookup(new DeviceTensor(table, 0, type, v, d), idTensor.Tensor, dst.Tensor));
        var expected = new float[t * d];
        ReferenceOps.EmbeddingLookupReference(type, tableBytes, d, ids, expected);
        c.ExpectClose("dst", c.ReadF32(dst), expected, d, Tolerances.Default);
    });
}
