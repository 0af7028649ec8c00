// One entry of a safetensors header: name, dtype, shape and byte range in the data section.
// Format: https://github.com/huggingface/safetensors#format
namespace Meridian.Formats.Safetensors;

/// <summary>
/// A tensor as its safetensors header describes it. <see cref="DataBegin"/> and
/// <see cref="DataEnd"/> are relative to the start of the data section (byte 8 + header length),
/// as in the file's "data_offsets". Data is little-endian and row-major (C order).
/// </summary>
/// <param name="Name">The tensor's key in the header.</param>
/// <param name="DType">Element type.</param>
/// <param name="Shape">Dimensions, outermost first (row-major); empty for a scalar. Treat as read-only.</param>
/// <param name="DataBegin">First byte, relative to the data section.</param>
/// <param name="DataEnd">One past the last byte, relative to the data section.</param>
public sealed record SafetensorsTensorInfo(string Name, SafetensorsDType DType, long[] Shape, long DataBegin, long DataEnd)
{
    /// <summary>Bytes of data: <c>DataEnd - DataBegin</c>.</summary>
    public long ByteLength => DataEnd - DataBegin;

    /// <summary>Number of elements (product of <see cref="Shape"/>; 1 for a scalar).</summary>
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (long d in Shape)
                n = checked(n * d);
            return n;
        }
    }
}
