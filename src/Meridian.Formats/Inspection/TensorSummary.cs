// One tensor's name, dtype, shape and place in the file, as `meridian inspect` reports it.
namespace Meridian.Formats.Inspection;

/// <summary>One tensor: name, dtype, shape (as the format stores it), offset and size.</summary>
/// <param name="Name">Tensor name.</param>
/// <param name="Dtype">dtype name (ggml names for GGUF, safetensors names otherwise).</param>
/// <param name="Shape">Dimensions in the file's own order (GGUF: innermost first; safetensors/llama2.c: outermost first).</param>
/// <param name="Offset">Byte offset of the data from the start of the file.</param>
/// <param name="Bytes">Data size in bytes.</param>
/// <param name="File">The shard file holding the tensor, for multi-file models; null otherwise.</param>
public sealed record TensorSummary(string Name, string Dtype, IReadOnlyList<long> Shape, long Offset, long Bytes, string? File = null);
