// Mixture-of-experts cases. moe_route (F32): softmax then top-k over router scores, with and without
// renormalisation, k = 1, 2 and 8 over 4, 8 and 64 experts, and exact ties (the lower index first); ids compared
// exactly, weights within the default bound. moe_ffn (per expert dtype): E experts loaded as MatMulOnly weights,
// T tokens each routed to k of them (some experts chosen by many tokens, some by none, one token choosing the
// same expert's neighbours), against ReferenceOps.MoeFeedForwardReference on the decoded weights.
using Meridian.Conformance.Checking;
using Meridian.Conformance.Inputs;
using Meridian.Core.Backends;
using Meridian.Core.Ops;
using Meridian.Core.Tensors;

namespace Meridian.Conformance.Ops;

internal static class MoeCases
{
    public static IEnumerable<OpCase> Route()
    {
        yield return RouteCase(1, 4, 1, renormalize: false, ties: false);
        yield return RouteCase(7, 8, 2, renormalize: true, ties: false);
        yield return RouteCase(61, 64, 8, renormalize: false, ties: false);
        yield return RouteCase(16, 64, 8, renormalize: true, ties: true);
    }

    public static IEnumerable<OpCase> FeedForward(DType type)
    {
        int block = type.Info().BlockSize;
        int d = block == 1 ? 40 : 2 * block, f = block == 1 ? 24 : block;
        yield return FeedForwardCase(type, t: 1, experts: 8, k: 2, d, f);
        yield return FeedForwardCase(type, t: 7, experts: 4, k: 2, d, f);
        yield return FeedForwardCase(type, t: 33, experts: 16, k: 4, d, f);
        yield return FeedForwardCase(type, t: 9, experts: 8, k: 4, d, f, oai: true); // GPT-OSS: biases and the clamped SwiGLU
    }

    private static OpCase RouteCase(int t, int e, int k, bool renormalize, bool ties) =>
        new(BackendOp.MoeRoute, DType.F32, $"[{t}, {e}] top {k}{(renormalize ? " renormalized" : "")}{(ties ? " with ties" : "")}", c =>
        {
            var scores = InputData.Uniform(c.Rng, t * e, -4f, 4f);
            if (ties)
            {
                // Quantized scores: many exact ties, which must go to the lower expert index.
                for (int i = 0; i < scores.Length; i++)
                    scores[i] = MathF.Round(scores[i]);
            }
            var logits = c.InputF32("logits", t, e, scores);
            var ids = c.OutputI32("ids", t * k);
            var weights = c.OutputF32("weights", t, k);
            c.Step(s => s.MoeRoute(logits.Tensor, k, renormalize, ids.Tensor.Reshape(t, k), weights.Tensor));
            var expectedIds = new int[t * k];
            var expectedWeights = new float[t * k];
            ReferenceOps.MoeRouteReference(scores, e, k, renormalize, expectedIds, expectedWeights);
            c.ExpectEqual<int>("ids", c.ReadI32(ids), expectedIds, k);
            c.ExpectClose("weights", c.ReadF32(weights), expectedWeights, k, Tolerances.Default);
        });

    private static OpCase FeedForwardCase(DType type, int t, int experts, int k, int d, int f, bool oai = false) =>
        new(BackendOp.MoeFeedForward, type, $"T={t} E={experts} k={k} D={d} F={f}{(oai ? " biases, clamped swiglu" : "")}", c =>
        {
            var gate = new byte[experts][];
            var up = new byte[experts][];
            var down = new byte[experts][];
            var g = new DeviceTensor[experts];
            var u = new DeviceTensor[experts];
            var dn = new DeviceTensor[experts];
            for (int e = 0; e < experts; e++)
            {
                gate[e] = InputData.Weights(c.Rng, type, f, d);
                up[e] = InputData.Weights(c.Rng, type, f, d);
                down[e] = InputData.Weights(c.Rng, type, d, f);
                g[e] = new DeviceTensor(c.Weight($"gate{e}", type, f, d, gate[e], WeightUse.MatMulOnly), 0, type, f, d);
                u[e] = new DeviceTensor(c.Weight($"up{e}", type, f, d, up[e], WeightUse.MatMulOnly), 0, type, f, d);
                dn[e] = new DeviceTensor(c.Weight($"down{e}", type, d, f, down[e], WeightUse.MatMulOnly), 0, type, d, f);
            }
            // Routes skewed towards the low experts (so some are chosen by many tokens and the last ones by none),
            // distinct within a token; weights positive.
            var idValues = new int[t * k];
            var weightValues = new float[t * k];
            for (int r = 0; r < t; r++)
            {
                var chosen = new HashSet<int>();
                for (int j = 0; j < k; j++)
                {
                    int e;
                    do
                        e = (int)(Math.Pow(c.Rng.NextDouble(), 2) * (experts - 1));
                    while (!chosen.Add(e));
                    idValues[r * k + j] = e;
                    weightValues[r * k + j] = 0.1f + (float)c.Rng.NextDouble();
                }
            }
            var xValues = InputData.Uniform(c.Rng, t * d);
            var x = c.InputF32("x", t, d, xValues);
            var ids = c.InputI32("ids", idValues, k);
            var weights = c.InputF32("weights", t, k, weightValues);
            var dst = c.OutputF32("dst", t, d);
            var set = new ExpertSet(g, u, dn, oai ? ExpertActivation.SwiGluOai : ExpertActivation.SwiGlu);
            // Biases large enough that gates and ups reach the clamp at ±7 (the inputs' products are about ±3 here).
            float[]? gb = oai ? InputData.Uniform(c.Rng, experts * f, -8f, 8f) : null, ub = oai ? InputData.Uniform(c.Rng, experts * f, -8f, 8f) : null,
                db = oai ? InputData.Uniform(c.Rng, experts * d) : null;
            if (oai)
            {
                set = set with
                {
                    GateBias = c.InputF32("gate bias", experts, f, gb).Tensor,
                    UpBias = c.InputF32("up bias", experts, f, ub).Tensor,
                    DownBias = c.InputF32("down bias", experts, d, db).Tensor,
                };
            }
            c.Step(s => s.MoeFeedForward(x.Tensor, set, ids.Tensor, weights.Tensor, dst.Tensor));
            var expected = new float[t * d];
            ReferenceOps.MoeFeedForwardReference(xValues, e => ((type, gate[e]), (type, up[e]), (type, down[e])), d, f, idValues, weightValues, k, expected,
                set.Activation, gb, ub, db);
            c.ExpectClose("dst", c.ReadF32(dst), expected, d, Tolerances.MatMul);
        });
}
