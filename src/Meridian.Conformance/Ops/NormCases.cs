// RmsNorm cases (F32): single values, ragged widths, a wide row, the per-head norm shape [T·H, Dh] (Qwen3's
// q/k norms), both common eps values, and in place (dst = x), against ReferenceOps.RmsNormReference.
using Meridian.Conformance.Inputs;
using Meridian.Core.Backends;
using Meridian.Core.Ops;
using Meridian.Core.Tensors;

namespace Meridian.Conformance.Ops;

internal static class NormCases
{
    public static IEnumerable<OpCase> All()
    {
        yield return Case(1, 1, 1e-5f, inPlace: false);
        yield return Case(1, 64, 1e-5f, inPlace: false);
        yield return Case(7, 257, 1e-6f, inPlace: false);
        yield return Case(61, 2048, 1e-5f, inPlace: false);
        yield return Case(16 * 8, 128, 1e-6f, inPlace: false);
        yield return Case(5, 896, 1e-6f, inPlace: true);
    }

    private static OpCase Case(int rows, int cols, float eps, bool inPlace) =>
        new(BackendOp.RmsNorm, DType.F32, $"[{rows}, {cols}] eps={eps.ToString("0e0", System.Globalization.CultureInfo.InvariantCulture)}{(inPlace ? " in place" : "")}", c =>
        {
            var xValues = InputData.Uniform(c.Rng, rows * cols);
            var gain = InputData.Uniform(c.Rng, cols, 0.5f, 1.5f);
            var x = c.InputF32("x", rows, cols, xValues);
            var weight = c.InputF32("weight", 1, cols, gain);
            var dst = inPlace ? c.Written(x) : c.OutputF32("dst", rows, cols);
            c.Step(s => s.RmsNorm(x.Tensor, weight.Tensor, eps, dst.Tensor));
            var expected = new float[rows * cols];
            ReferenceOps.RmsNormReference(xValues, gain, eps, expected);
            c.ExpectClose("dst", c.ReadF32(dst), expected, cols, Tolerances.Default);
        });
}
