// The inner loop of `meridian convert` and `meridian quantize`: rows of a tensor decoded to f32 and
// encoded in the target type by the reference codecs (which match ggml's bytes), on every core, and
// written in order. Rows go in batches of about 8 MiB of output, so memory stays flat whatever the tensor.
using Meridian.Core.Quant;
using Meridian.Core.Tensors;

namespace Meridian.Models.Conversion;

internal static unsafe class RowConverter
{
    private const int BatchBytes = 8 << 20;

    /// <summary>
    /// Writes <paramref name="rows"/> rows of <paramref name="cols"/> values, row r taken from source row
    /// <paramref name="sourceRow"/>(r) (identity when null) of <paramref name="src"/> in <paramref name="from"/>, encoded in <paramref name="to"/>.
    /// </summary>
    public static void Write(Stream stream, DType from, ReadOnlySpan<byte> src, DType to, long rows, int cols, Func<long, long>? sourceRow = null)
    {
        int srcRow = checked((int)from.ByteSize(cols)), dstRow = checked((int)to.ByteSize(cols));
        if (src.Length < rows * srcRow)
            throw new ArgumentException($"{src.Length} bytes hold fewer than {rows} rows of {cols} {from.Name()} values", nameof(src));
        int batch = (int)Math.Clamp(BatchBytes / Math.Max(dstRow, 1), 1, Math.Max(rows, 1));
        var buffer = new byte[(long)batch * dstRow];
        int chunks = Environment.ProcessorCount * 4;
        fixed (byte* p = src)
        {
            nint basePtr = (nint)p;
            for (long r0 = 0; r0 < rows; r0 += batch)
            {
                int n = (int)Math.Min(batch, rows - r0);
                long first = r0;
                int parts = Math.Min(chunks, n);
                Parallel.For(0, parts, part =>
                {
                    var values = new float[cols];
                    for (int i = (int)((long)n * part / parts), end = (int)((long)n * (part + 1) / parts); i < end; i++)
                    {
                        long r = sourceRow?.Invoke(first + i) ?? first + i;
                        QuantCodecs.DequantizeReference(from, new ReadOnlySpan<byte>((byte*)basePtr + r * srcRow, srcRow), values);
                        QuantCodecs.QuantizeReference(to, values, buffer.AsSpan(i * dstRow, dstRow));
                    }
                });
                stream.Write(buffer, 0, n * dstRow);
            }
        }
    }
}
