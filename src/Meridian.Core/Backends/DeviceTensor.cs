// A 2-D view into a device buffer: Rows × Cols values of one dtype, rows contiguous (ggml ne[0] = Cols).
// A value type, like Span: a forward pass slices and reshapes views per op without allocating (issue 4).
using Meridian.Core.Tensors;

namespace Meridian.Core.Backends;

/// <summary>
/// A row-major [Rows, Cols] view of <see cref="Buffer"/> starting at <see cref="ByteOffset"/>.
/// Weights are [out, in] (ggml ne[0] = in); activations are [tokens, width] f32; per-step integers are
/// [n, 1] i32 (one per token or row) or [S, 4] i32 (the sequences of a paged-attention batch).
/// </summary>
public readonly record struct DeviceTensor(IDeviceBuffer Buffer, long ByteOffset, DType Type, int Rows, int Cols)
{
    /// <summary>Bytes per row.</summary>
    public long RowBytes => Type.ByteSize(Cols);

    /// <summary>Total bytes of the view.</summary>
    public long ByteLength => RowBytes * Rows;

    /// <summary>Rows [<paramref name="start"/>, start + count) of this view.</summary>
    public DeviceTensor SliceRows(int start, int count)
    {
        if ((uint)start > (uint)Rows || (uint)count > (uint)(Rows - start))
            throw new ArgumentOutOfRangeException(nameof(count), $"rows {start}..{start + count} of a {Rows}-row tensor");
        return this with { ByteOffset = ByteOffset + start * RowBytes, Rows = count };
    }

    /// <summary>The same bytes seen as [rows, cols] (rows × cols must equal Rows × Cols).</summary>
    public DeviceTensor Reshape(int rows, int cols)
    {
        if ((long)rows * cols != (long)Rows * Cols)
            throw new ArgumentException($"cannot view [{Rows}, {Cols}] as [{rows}, {cols}]");
        return this with { Rows = rows, Cols = cols };
    }

    /// <summary>An f32 [rows, cols] view over the start of a buffer.</summary>
    public static DeviceTensor F32(IDeviceBuffer buffer, int rows, int cols, long byteOffset = 0) =>
        new(buffer, byteOffset, DType.F32, rows, cols);
}
