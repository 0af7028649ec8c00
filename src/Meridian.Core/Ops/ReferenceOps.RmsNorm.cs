// Reference RMSNorm (Zhang & Sennrich 2019; run.c rmsnorm): x / sqrt(mean(x²) + eps) · weight.
namespace Meridian.Core.Ops;

public static partial class ReferenceOps
{
    /// <summary>Each C-wide row of x normalised into dst. x, dst: [R, C] f32; weight: [C] f32. dst may be x.</summary>
    public static void RmsNormReference(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float eps, Span<float> dst)
    {
        int c = weight.Length;
        for (int r = 0; c > 0 && r < x.Length / c; r++)
        {
            var row = x.Slice(r * c, c);
            float ss = 0f;
            for (int i = 0; i < c; i++)
                ss += row[i] * row[i];
            float scale = 1f / MathF.Sqrt(ss / c + eps);
            for (int i = 0; i < c; i++)
                dst[r * c + i] = weight[i] * (scale * row[i]);
        }
    }
}
