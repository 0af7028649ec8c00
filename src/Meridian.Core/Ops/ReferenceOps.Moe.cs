// Reference mixture-of-experts ops (Shazeer et al. 2017, https://arxiv.org/abs/1701.06538; Mixtral,
// https://arxiv.org/abs/2401.04088): softmax-then-top-k routing with optional renormalisation, and the weighted
// sum of the chosen experts' SwiGLU feed-forwards, each expert a plain matrix product per row.
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Core.Ops;

public static partial class ReferenceOps
{
    /// <summary>
    /// For each row of <paramref name="logits"/> [T, E]: softmax (in double), the k largest probabilities (ties to
    /// the lower index) in descending order into ids/weights [T, k], divided by their sum when <paramref name="renormalize"/>.
    /// </summary>
    public static void MoeRouteReference(ReadOnlySpan<float> logits, int experts, int k, bool renormalize, Span<int> ids, Span<float> weights)
    {
        int t = experts == 0 ? 0 : logits.Length / experts;
        var p = new double[experts];
        var taken = new bool[experts];
        for (int r = 0; r < t; r++)
        {
            var row = logits.Slice(r * experts, experts);
            double max = double.NegativeInfinity;
            foreach (float v in row)
                max = Math.Max(max, v);
            double sum = 0;
            for (int e = 0; e < experts; e++)
                sum += p[e] = Math.Exp(row[e] - max);
            Array.Clear(taken);
            double chosen = 0;
            for (int j = 0; j < k; j++)
            {
                int best = -1;
                for (int e = 0; e < experts; e++)
                {
                    if (!taken[e] && (best < 0 || p[e] > p[best]))
                        best = e;
                }
                taken[best] = true;
                ids[r * k + j] = best;
                chosen += p[best];
            }
            for (int j = 0; j < k; j++)
                weights[r * k + j] = (float)(p[ids[r * k + j]] / (renormalize ? chosen : sum));
        }
    }

    /// <summary>GPT-OSS's clamped SwiGLU: g = min(gate, 7), u = clamp(up, −7, 7), dst = g · σ(1.702 g) · (u + 1), in double.</summary>
    public static void SwiGluOaiReference(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> dst)
    {
        for (int i = 0; i < dst.Length; i++)
        {
            double g = Math.Min(gate[i], ExpertSet.OaiLimit), u = Math.Clamp(up[i], -ExpertSet.OaiLimit, ExpertSet.OaiLimit);
            dst[i] = (float)(g / (1 + Math.Exp(-ExpertSet.OaiAlpha * g)) * (u + 1));
        }
    }

    /// <summary>
    /// dst[t] = Σ_j weights[t, j] · down_e(silu(gate_e · x[t]) ⊙ up_e · x[t]), e = ids[t, j], in j order. Each expert's
    /// three matrices are given as bytes in GGUF layout of their dtypes: gate/up [F, D], down [D, F]. x, dst: [T, D].
    /// </summary>
    public static void MoeFeedForwardReference(ReadOnlySpan<float> x, Func<int, ((DType Type, byte[] Bytes) Gate, (DType Type, byte[] Bytes) Up, (DType Type, byte[] Bytes) Down)> expert,
        int width, int hidden, ReadOnlySpan<int> ids, ReadOnlySpan<float> weights, int k, Span<float> dst,
        ExpertActivation activation = ExpertActivation.SwiGlu, float[]? gateBias = null, float[]? upBias = null, float[]? downBias = null)
    {
        int t = width == 0 ? 0 : x.Length / width;
        var g = new float[hidden];
        var u = new float[hidden];
        var y = new float[width];
        dst.Clear();
        for (int r = 0; r < t; r++)
        {
            var row = x.Slice(r * width, width);
            for (int j = 0; j < k; j++)
            {
                var (gate, up, down) = expert(ids[r * k + j]);
                int e = ids[r * k + j];
                MatMulReference(gate.Type, gate.Bytes, hidden, width, row, g);
                MatMulReference(up.Type, up.Bytes, hidden, width, row, u);
                for (int i = 0; gateBias != null && i < hidden; i++)
                    g[i] += gateBias[e * hidden + i];
                for (int i = 0; upBias != null && i < hidden; i++)
                    u[i] += upBias[e * hidden + i];
                if (activation == ExpertActivation.SwiGluOai)
                    SwiGluOaiReference(g, u, g);
                else
                    SwiGluReference(g, u, g);
                MatMulReference(down.Type, down.Bytes, width, hidden, g, y);
                for (int i = 0; downBias != null && i < width; i++)
                    y[i] += downBias[e * width + i];
                float w = weights[r * k + j];
                for (int i = 0; i < width; i++)
                    dst[r * width + i] += w * y[i];
            }
        }
    }
}
