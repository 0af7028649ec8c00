// The parsed, validated header of a GGUF file: what GgufFile exposes, before any tensor data is touched.
namespace Meridian.Formats.Gguf;

internal sealed class GgufHeader
{
    public required uint Version { get; init; }
    public required uint Alignment { get; init; }
    public required long DataOffset { get; init; }
    public required List<GgufMetadataEntry> Metadata { get; init; }
    // Absolute file offset of each entry's value, parallel to Metadata (for type-mismatch errors).
    public required List<long> ValueOffsets { get; init; }
    public required List<GgufTensorInfo> Tensors { get; init; }
}
