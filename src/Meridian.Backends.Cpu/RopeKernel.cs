// RoPE (https://arxiv.org/abs/2104.09864) for both pairings. Frequencies follow ggml's rope: the
// angle for pair i is pos · θ^(-2i/Dh) / factor[i], computed in f32 as ggml does.
using Meridian.Core.Backends;

namespace Meridian.Backends.Cpu;

internal static class RopeKernel
{
    /// <summary>x: [T, width] f32, width = H·Dh; rotates each head in place.</summary>
    public static void Apply(Span<float> x, int width, ReadOnlySpan<int> positions, RopeSpec spec)
    {
        int dh = spec.HeadDim, half = dh / 2;
        Span<float> cos = half <= 512 ? stackalloc float[half] : new float[half];
        Span<float> sin = half <= 512 ? stackalloc float[half] : new float[half];
        for (int t = 0; t < positions.Length; t++)
        {
            for (int i = 0; i < half; i++)
            {
                float freq = MathF.Pow(spec.Theta, -2f * i / dh);
                if (spec.FreqFactors != null)
                    freq /= spec.FreqFactors[i];
                float angle = positions[t] * freq;
                cos[i] = MathF.Cos(angle);
                sin[i] = MathF.Sin(angle);
            }
            for (int h = 0; h < width / dh; h++)
            {
                var head = x.Slice(t * width + h * dh, dh);
                for (int i = 0; i < half; i++)
                {
                    int a = spec.Layout == RopeLayout.Interleaved ? 2 * i : i;
                    int b = spec.Layout == RopeLayout.Interleaved ? 2 * i + 1 : i + half;
                    float x0 = head[a], x1 = head[b];
                    head[a] = x0 * cos[i] - x1 * sin[i];
                    head[b] = x0 * sin[i] + x1 * cos[i];
                }
            }
        }
    }
}
