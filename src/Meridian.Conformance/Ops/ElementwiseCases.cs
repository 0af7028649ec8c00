// SwiGlu, GeGlu, Scale, Softcap, Add and Softmax cases (F32): a single value, ragged widths, a long row, aliasing
// the output with an input where the contract allows it, Add's row broadcast, GeGLU's gate far into both tails
// (where tanh saturates), soft-capping of values far past the cap, and Softmax over logit-sized rows of large
// values (the max must be subtracted first), against the ReferenceOps of each.
using Meridian.Conformance.Inputs;
using Meridian.Core.Backends;
using Meridian.Core.Ops;
using Meridian.Core.Tensors;

namespace Meridian.Conformance.Ops;

internal static class ElementwiseCases
{
    public static IEnumerable<OpCase> SwiGlu()
    {
        yield return SwiGluCase(1, 1, alias: 0);
        yield return SwiGluCase(7, 1000, alias: 0);
        yield return SwiGluCase(61, 257, alias: 1);
        yield return SwiGluCase(3, 5632, alias: 2);
    }

    public static IEnumerable<OpCase> GeGlu()
    {
        yield return GeGluCase(1, 1, alias: 0, range: 4f);
        yield return GeGluCase(7, 1000, alias: 0, range: 4f);
        yield return GeGluCase(61, 257, alias: 1, range: 30f);
        yield return GeGluCase(3, 6912, alias: 2, range: 12f);
    }

    public static IEnumerable<OpCase> Scale()
    {
        yield return ScaleCase(BackendOp.Scale, 1, 1, 33.941125f, inPlace: false, range: 1f);
        yield return ScaleCase(BackendOp.Scale, 7, 1152, 33.941125f, inPlace: true, range: 1f);
        yield return ScaleCase(BackendOp.Scale, 61, 257, -0.125f, inPlace: false, range: 100f);
    }

    public static IEnumerable<OpCase> Softcap()
    {
        yield return ScaleCase(BackendOp.Softcap, 1, 1, 30f, inPlace: false, range: 10f);
        yield return ScaleCase(BackendOp.Softcap, 7, 1000, 30f, inPlace: true, range: 200f);
        yield return ScaleCase(BackendOp.Softcap, 3, 32000, 50f, inPlace: false, range: 1000f);
    }

    public static IEnumerable<OpCase> Add()
    {
        yield return AddCase(1, 1, broadcast: false, inPlace: false);
        yield return AddCase(7, 896, broadcast: false, inPlace: true);
        yield return AddCase(61, 257, broadcast: true, inPlace: false);
        yield return AddCase(5, 1000, broadcast: true, inPlace: true);
    }

    public static IEnumerable<OpCase> Softmax()
    {
        yield return SoftmaxCase(1, 1, 1f);
        yield return SoftmaxCase(7, 100, 1f);
        yield return SoftmaxCase(61, 61, 5f);
        yield return SoftmaxCase(3, 32000, 20f);
    }

    // alias 0: separate dst; 1: dst = gate; 2: dst = up.
    private static OpCase SwiGluCase(int rows, int cols, int alias) =>
        new(BackendOp.SwiGlu, DType.F32, $"[{rows}, {cols}]{(alias == 1 ? " dst=gate" : alias == 2 ? " dst=up" : "")}", c =>
        {
            var g = InputData.Uniform(c.Rng, rows * cols, -4f, 4f);
            var u = InputData.Uniform(c.Rng, rows * cols);
            var gate = c.InputF32("gate", rows, cols, g);
            var up = c.InputF32("up", rows, cols, u);
            var dst = alias == 1 ? c.Written(gate) : alias == 2 ? c.Written(up) : c.OutputF32("dst", rows, cols);
            c.Step(s => s.SwiGlu(gate.Tensor, up.Tensor, dst.Tensor));
            var expected = new float[rows * cols];
            ReferenceOps.SwiGluReference(g, u, expected);
            c.ExpectClose("dst", c.ReadF32(dst), expected, cols, Tolerances.Default);
        });

    // alias 0: separate dst; 1: dst = gate; 2: dst = up. Gate values in [-range, range].
    private static OpCase GeGluCase(int rows, int cols, int alias, float range) =>
        new(BackendOp.GeGlu, DType.F32, $"[{rows}, {cols}] gate in ±{range}{(alias == 1 ? " dst=gate" : alias == 2 ? " dst=up" : "")}", c =>
        {
            var g = InputData.Uniform(c.Rng, rows * cols, -range, range);
            var u = InputData.Uniform(c.Rng, rows * cols);
            var gate = c.InputF32("gate", rows, cols, g);
            var up = c.InputF32("up", rows, cols, u);
            var dst = alias == 1 ? c.Written(gate) : alias == 2 ? c.Written(up) : c.OutputF32("dst", rows, cols);
            c.Step(s => s.GeGlu(gate.Tensor, up.Tensor, dst.Tensor));
            var expected = new float[rows * cols];
            ReferenceOps.GeGluReference(g, u, expected);
            c.ExpectClose("dst", c.ReadF32(dst), expected, cols, Tolerances.Default);
        });

    // Scale (dst = x · s) or Softcap (dst = s · tanh(x / s)), x in [-range, range].
    private static OpCase ScaleCase(BackendOp op, int rows, int cols, float s, bool inPlace, float range) =>
        new(op, DType.F32, $"[{rows}, {cols}] {(op == BackendOp.Scale ? "scale" : "cap")} {s} x in ±{range}{(inPlace ? " dst=x" : "")}", c =>
        {
            var xv = InputData.Uniform(c.Rng, rows * cols, -range, range);
            var x = c.InputF32("x", rows, cols, xv);
            var dst = inPlace ? c.Written(x) : c.OutputF32("dst", rows, cols);
            var expected = new float[rows * cols];
            if (op == BackendOp.Scale)
            {
                c.Step(st => st.Scale(x.Tensor, s, dst.Tensor));
                ReferenceOps.ScaleReference(xv, s, expected);
            }
            else
            {
                c.Step(st => st.Softcap(x.Tensor, s, dst.Tensor));
                ReferenceOps.SoftcapReference(xv, s, expected);
            }
            c.ExpectClose("dst", c.ReadF32(dst), expected, cols, Tolerances.Default);
        });

    private static OpCase AddCase(int rows, int cols, bool broadcast, bool inPlace) =>
        new(BackendOp.Add, DType.F32, $"[{rows}, {cols}] + [{(broadcast ? 1 : rows)}, {cols}]{(inPlace ? " dst=a" : "")}", c =>
        {
            int bRows = broadcast ? 1 : rows;
            var av = InputData.Uniform(c.Rng, rows * cols);
            var bv = InputData.Uniform(c.Rng, bRows * cols);
            var a = c.InputF32("a", rows, cols, av);
            var b = c.InputF32("b", bRows, cols, bv);
            var dst = inPlace ? c.Written(a) : c.OutputF32("dst", rows, cols);
            c.Step(s => s.Add(a.Tensor, b.Tensor, dst.Tensor));
            var expected = new float[rows * cols];
            ReferenceOps.AddReference(av, bv, expected);
            c.ExpectClose("dst", c.ReadF32(dst), expected, cols, Tolerances.Default);
        });

    private static OpCase SoftmaxCase(int rows, int cols, float magnitude) =>
        new(BackendOp.Softmax, DType.F32, $"[{rows}, {cols}] values in ±{magnitude:G}", c =>
        {
            var values = InputData.Uniform(c.Rng, rows * cols, -magnitude, magnitude);
            var x = c.Written(c.InputF32("x", rows, cols, values));
            c.Step(s => s.Softmax(x.Tensor));
            var expected = (float[])values.Clone();
            ReferenceOps.SoftmaxReference(expected, cols);
            c.ExpectClose("x", c.ReadF32(x), expected, cols, Tolerances.Softmax);
        });
}
