// Reference element-wise ops: SwiGLU and GeGLU (Shazeer 2020, https://arxiv.org/abs/2002.05202), scale,
// soft-capping (Gemma 2), add with row broadcast, and row softmax (run.c softmax: subtract the max for stability).
namespace Meridian.Core.Ops;

public static partial class ReferenceOps
{
    /// <summary>dst[i] = silu(gate[i]) · up[i], silu(x) = x / (1 + e^-x).</summary>
    public static void SwiGluReference(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> dst)
    {
        for (int i = 0; i < dst.Length; i++)
        {
            float g = gate[i];
            dst[i] = g / (1f + MathF.Exp(-g)) * up[i];
        }
    }

    /// <summary>dst[i] = gelu(gate[i]) · up[i], GELU in its tanh form (Hendrycks and Gimpel 2016, eq. for the approximation), in double.</summary>
    public static void GeGluReference(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> dst)
    {
        for (int i = 0; i < dst.Length; i++)
        {
            double g = gate[i];
            dst[i] = (float)(0.5 * g * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (g + 0.044715 * g * g * g))) * up[i]);
        }
    }

    /// <summary>dst[i] = x[i] · scale.</summary>
    public static void ScaleReference(ReadOnlySpan<float> x, float scale, Span<float> dst)
    {
        for (int i = 0; i < dst.Length; i++)
            dst[i] = x[i] * scale;
    }

    /// <summary>dst[i] = cap · tanh(x[i] / cap), in double.</summary>
    public static void SoftcapReference(ReadOnlySpan<float> x, float cap, Span<float> dst)
    {
        for (int i = 0; i < dst.Length; i++)
            dst[i] = (float)(cap * Math.Tanh(x[i] / (double)cap));
    }

    /// <summary>dst = a + b, where b has a's length or is one row repeated (a.Length a multiple of b.Length).</summary>
    public static void AddReference(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> dst)
    {
        for (int i = 0; i < dst.Length; i++)
            dst[i] = a[i] + b[i % b.Length];
    }

    /// <summary>Softmax of each <paramref name="cols"/>-wide row of x, in place.</summary>
    public static void SoftmaxReference(Span<float> x, int cols)
    {
        for (int r = 0; cols > 0 && r < x.Length / cols; r++)
        {
            var row = x.Slice(r * cols, cols);
            float max = float.NegativeInfinity;
            foreach (float v in row)
                max = MathF.Max(max, v);
            float sum = 0f;
            for (int i = 0; i < cols; i++)
            {
                row[i] = MathF.Exp(row[i] - max);
                sum += row[i];
            }
            for (int i = 0; i < cols; i++)
                row[i] /= sum;
        }
    }
}
