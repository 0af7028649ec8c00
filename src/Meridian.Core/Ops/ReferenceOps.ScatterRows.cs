// Reference row scatter and gather: new keys and values into their KV-cache slots (vLLM's reshape_and_cache,
// f32 or f16 caches), and the rows whose logits a step wants.
namespace Meridian.Core.Ops;

public static partial class ReferenceOps
{
    /// <summary>dst row rows[t] = src row t. src: [T, cols]; dst: [R, cols]; rows: [T], each in [0, R).</summary>
    public static void ScatterRowsReference<T>(ReadOnlySpan<T> src, ReadOnlySpan<int> rows, int cols, Span<T> dst)
    {
        for (int t = 0; t < rows.Length; t++)
            src.Slice(t * cols, cols).CopyTo(dst.Slice(rows[t] * cols, cols));
    }

    /// <summary>As <see cref="ScatterRowsReference{T}"/> into an f16 cache: each value rounded to the nearest f16 (ties to even).</summary>
    public static void ScatterRowsF16Reference(ReadOnlySpan<float> src, ReadOnlySpan<int> rows, int cols, Span<Half> dst)
    {
        for (int t = 0; t < rows.Length; t++)
        {
            for (int c = 0; c < cols; c++)
                dst[rows[t] * cols + c] = (Half)src[t * cols + c];
        }
    }

    /// <summary>dst row i = src row rows[i]. src: [R, cols]; rows: [N]; dst: [N, cols].</summary>
    public static void GatherRowsReference(ReadOnlySpan<float> src, ReadOnlySpan<int> rows, int cols, Span<float> dst)
    {
        for (int i = 0; i < rows.Length; i++)
            src.Slice(rows[i] * cols, cols).CopyTo(dst.Slice(i * cols, cols));
    }

    /// <summary>dst[r] = the index of the largest value of row r, the lowest index on ties; NaN never wins (a row of NaN gives 0).</summary>
    public static void ArgMaxReference(ReadOnlySpan<float> x, int cols, Span<int> dst)
    {
        for (int r = 0; r < dst.Length; r++)
        {
            var row = x.Slice(r * cols, cols);
            int best = 0;
            float max = 0f;
            bool found = false;
            for (int i = 0; i < cols; i++)
            {
                float v = row[i];
                if (float.IsNaN(v))
                    continue;
                if (!found || v > max)
                {
                    (max, best, found) = (v, i, true);
                }
            }
            dst[r] = best;
        }
    }
}
