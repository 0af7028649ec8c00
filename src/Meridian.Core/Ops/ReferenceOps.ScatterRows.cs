// Reference row scatter (vLLM's reshape_and_cache): new keys and values into their KV-cache slots.
namespace Meridian.Core.Ops;

public static partial class ReferenceOps
{
    /// <summary>dst row rows[t] = src row t. src: [T, cols]; dst: [R, cols]; rows: [T], each in [0, R).</summary>
    public static void ScatterRowsReference<T>(ReadOnlySpan<T> src, ReadOnlySpan<int> rows, int cols, Span<T> dst)
    {
        for (int t = 0; t < rows.Length; t++)
            src.Slice(t * cols, cols).CopyTo(dst.Slice(rows[t] * cols, cols));
    }
}
