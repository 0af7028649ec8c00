// Description of one tensor in a GGUF file: name, type, shape and where its bytes are.
using Meridian.Core.Tensors;

namespace Meridian.Formats.Gguf;

/// <summary>
/// A tensor's header entry. Validated by the reader: 1-4 dimensions, all positive, the
/// row length a whole number of blocks, and the data inside the file.
/// </summary>
/// <param name="Name">Tensor name, e.g. "blk.0.attn_q.weight".</param>
/// <param name="Type">Element type.</param>
/// <param name="Dimensions">Shape in GGUF order: Dimensions[0] (ne[0]) is the innermost, contiguous axis (row length).</param>
/// <param name="Offset">Byte offset of the data relative to the start of the data section.</param>
/// <param name="ElementCount">Product of the dimensions.</param>
/// <param name="ByteSize">Bytes of data, <c>Type.ByteSize(ElementCount)</c>.</param>
public sealed record GgufTensorInfo(string Name, DType Type, long[] Dimensions, long Offset, long ElementCount, long ByteSize)
{
    /// <summary>The shape as text, innermost first, e.g. "[64, 512]".</summary>
    public string ShapeText => "[" + string.Join(", ", Dimensions) + "]";
}
