// MatMul (and MatMulShared) cases for one weight dtype: y = x · wᵀ with weights loaded through
// IDevice.LoadWeights(MatMulOnly), against ReferenceOps.MatMulReference on the decoded weights. Shapes: every T
// in 1..8, 16 and 61, K not a whole number of the larger blocks and tiles a kernel may use (for block
// types, the smallest block counts that are not multiples of 2, 4 or 8 blocks), N not a multiple of a tile,
// one T = 512 case, and MatMulShared over three weights (Q, K, V) and two (gate, up).
using Meridian.Conformance.Checking;
using Meridian.Conformance.Inputs;
using Meridian.Core.Backends;
using Meridian.Core.Ops;
using Meridian.Core.Tensors;

namespace Meridian.Conformance.Ops;

internal static class MatMulCases
{
    public static IEnumerable<OpCase> For(DType type)
    {
        int block = type.Info().BlockSize;
        // K: float types 1, 13, 300 (ragged everywhere); 32-blocks 32, 96, 288 (1, 3, 9 blocks); 256-blocks 256, 768, 1280.
        int[] ks = block == 1 ? [1, 13, 300] : [block, 3 * block, block == 32 ? 9 * block : 5 * block];
        int kIndex = 0;
        foreach (int t in (int[])[1, 2, 3, 4, 5, 6, 7, 8, 16, 61])
        {
            foreach (int k in ks)
            {
                int n = (kIndex++ % 2 == 0) ? 67 : 16;
                yield return Single(type, n, k, t);
            }
        }
        yield return Single(type, 1, ks[1], 1);
        yield return Single(type, 33, ks[1], 512);
        yield return Shared(type, [64, 16, 16], ks[2], 1);
        yield return Shared(type, [64, 16, 16], ks[2], 7);
        yield return Shared(type, [48, 48], ks[1], 16);
    }

    private static OpCase Single(DType type, int n, int k, int t) => new(BackendOp.MatMul, type, $"N={n} K={k} T={t}", c =>
    {
        var wBytes = InputData.Weights(c.Rng, type, n, k);
        var xValues = InputData.Uniform(c.Rng, t * k);
        var w = c.Weight("w", type, n, k, wBytes, WeightUse.MatMulOnly);
        var x = c.InputF32("x", t, k, xValues);
        var y = c.OutputF32("y", t, n);
        c.Step(s => s.MatMul(new DeviceTensor(w, 0, type, n, k), x.Tensor, y.Tensor));
        var expected = new float[t * n];
        ReferenceOps.MatMulReference(type, wBytes, n, k, xValues, expected);
        c.ExpectClose("y", c.ReadF32(y), expected, n, Tolerances.MatMul);
    });

    private static OpCase Shared(DType type, int[] ns, int k, int t) =>
        new(BackendOp.MatMul, type, $"MatMulShared N=[{string.Join(",", ns)}] K={k} T={t}", c =>
        {
            var xValues = InputData.Uniform(c.Rng, t * k);
            var x = c.InputF32("x", t, k, xValues);
            var ws = new DeviceTensor[ns.Length];
            var ys = new GuardedTensor[ns.Length];
            var bytes = new byte[ns.Length][];
            for (int i = 0; i < ns.Length; i++)
            {
                bytes[i] = InputData.Weights(c.Rng, type, ns[i], k);
                ws[i] = new DeviceTensor(c.Weight($"w{i}", type, ns[i], k, bytes[i], WeightUse.MatMulOnly), 0, type, ns[i], k);
                ys[i] = c.OutputF32($"y{i}", t, ns[i]);
            }
            var yTensors = ys.Select(y => y.Tensor).ToArray();
            c.Step(s => s.MatMulShared(x.Tensor, ws, yTensors));
            for (int i = 0; i < ns.Length; i++)
            {
                var expected = new float[t * ns[i]];
                ReferenceOps.MatMulReference(type, bytes[i], ns[i], k, xValues, expected);
                c.ExpectClose($"y{i}", c.ReadF32(ys[i]), expected, ns[i], Tolerances.MatMul);
            }
        });
}
