// Rope cases (F32): both pairings, head dims 64/80/128/256, T in {1, 7, 61} with shuffled positions up to
// 4095, two bases, and Llama 3.1 frequency factors; in place on x [T, H·Dh], against ReferenceOps.RopeReference.
// A device that claims contract 1.1's extended rope (IDevice.SupportsVariant) also gets partial rotation (Phi's
// 96 of 128, 24 of 32) with and without LongRoPE-style factors and an attention factor.
using Meridian.Conformance.Inputs;
using Meridian.Core.Backends;
using Meridian.Core.Ops;
using Meridian.Core.Tensors;

namespace Meridian.Conformance.Ops;

internal static class RopeCases
{
    public static IEnumerable<OpCase> All(bool extended)
    {
        if (extended)
        {
            var longRope = Enumerable.Range(0, 48).Select(i => 1f + 0.5f * i).ToArray();
            yield return Case(new RopeSpec(128, 10000f, RopeLayout.RotateHalf, RotaryDim: 96), heads: 4, t: 7, "partial 96");
            yield return Case(new RopeSpec(128, 10000f, RopeLayout.RotateHalf, longRope, RotaryDim: 96, AttnFactor: 1.1902f), heads: 3, t: 61, "partial 96 longrope");
            yield return Case(new RopeSpec(32, 10000f, RopeLayout.Interleaved, RotaryDim: 24, AttnFactor: 0.75f), heads: 5, t: 1, "partial 24 attn factor");
        }
        foreach (var layout in (RopeLayout[])[RopeLayout.Interleaved, RopeLayout.RotateHalf])
        {
            float theta = layout == RopeLayout.Interleaved ? 10000f : 1000000f;
            foreach (int dh in (int[])[64, 80, 128, 256])
            {
                foreach (int t in (int[])[1, 7, 61])
                    yield return Case(new RopeSpec(dh, theta, layout), heads: dh == 256 ? 2 : 4, t);
            }
        }
        var llama3 = RopeSpec.Llama3FreqFactors(128, 500000f, 8f, 1f, 4f, 8192);
        yield return Case(new RopeSpec(128, 500000f, RopeLayout.Interleaved, llama3), heads: 4, t: 7, "llama3 factors");
        yield return Case(new RopeSpec(128, 500000f, RopeLayout.RotateHalf, llama3), heads: 4, t: 61, "llama3 factors");
    }

    private static OpCase Case(RopeSpec spec, int heads, int t, string? note = null) =>
        new(BackendOp.Rope, DType.F32,
            $"{(spec.Layout == RopeLayout.Interleaved ? "interleaved" : "rotate-half")} Dh={spec.HeadDim} H={heads} T={t} theta={spec.Theta:G}{(note is null ? "" : " " + note)}", c =>
        {
            int width = heads * spec.HeadDim;
            var xValues = InputData.Uniform(c.Rng, t * width);
            var positions = InputData.Indexes(c.Rng, t, 4096);
            positions[0] = t > 1 ? 0 : 4095;
            var x = c.Written(c.InputF32("x", t, width, xValues));
            var pos = c.InputI32("positions", positions);
            c.Step(s => s.Rope(x.Tensor, pos.Tensor, spec));
            var expected = (float[])xValues.Clone();
            ReferenceOps.RopeReference(expected, positions, spec);
            c.ExpectClose("x", c.ReadF32(x), expected, width, Tolerances.Rope);
        });
}
