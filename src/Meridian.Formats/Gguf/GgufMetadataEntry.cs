// One key-value pair of GGUF metadata, as it appears in the file (order is kept by the reader).
namespace Meridian.Formats.Gguf;

/// <summary>A metadata key and its value.</summary>
/// <param name="Key">The key, e.g. "llama.block_count".</param>
/// <param name="Value">The value.</param>
public sealed record GgufMetadataEntry(string Key, GgufValue Value);
