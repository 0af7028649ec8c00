// Reference rotary position embedding (Su et al. 2021, https://arxiv.org/abs/2104.09864), both
// pairings: interleaved (ggml rope "normal", run.c) and rotate-half (NeoX, HF), over the first RotaryDims of
// each head (the rest pass through), cos and sin times the attention factor.
using Meridian.Core.Backends;

namespace Meridian.Core.Ops;

public static partial class ReferenceOps
{
    /// <summary>Rotates every head of x in place. x: [T, H·Dh] f32 with T = positions.Length.</summary>
    public static void RopeReference(Span<float> x, ReadOnlySpan<int> positions, RopeSpec spec)
    {
        int dh = spec.HeadDim, rot = spec.RotaryDims, half = rot / 2;
        int width = positions.Length == 0 ? 0 : x.Length / positions.Length;
        for (int t = 0; t < positions.Length; t++)
        {
            for (int h = 0; h < width / dh; h++)
            {
                var head = x.Slice(t * width + h * dh, dh);
                for (int i = 0; i < half; i++)
                {
                    float freq = MathF.Pow(spec.Theta, -2f * i / rot);
                    if (spec.FreqFactors != null)
                        freq /= spec.FreqFactors[i];
                    float angle = positions[t] * freq;
                    float cos = MathF.Cos(angle), sin = MathF.Sin(angle);
                    if (spec.AttnFactor != 1f)
                        (cos, sin) = (cos * spec.AttnFactor, sin * spec.AttnFactor);
                    int a = spec.Layout == RopeLayout.Interleaved ? 2 * i : i;
                    int b = spec.Layout == RopeLayout.Interleaved ? 2 * i + 1 : i + half;
                    float x0 = head[a], x1 = head[b];
                    head[a] = x0 * cos - x1 * sin;
                    head[b] = x0 * sin + x1 * cos;
                }
            }
        }
    }
}
