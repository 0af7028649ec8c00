// What `meridian inspect` reports about a model file, independent of its format. Plain data;
// the JSON form uses these names in snake_case (documented in docs/cli.md).
namespace Meridian.Formats.Inspection;

/// <summary>A format-neutral description of a model file or directory.</summary>
public sealed record ModelSummary
{
    /// <summary>"gguf", "safetensors" or "llama2c".</summary>
    public required string Format { get; init; }

    /// <summary>Format version: GGUF version, llama2.c export version (0 = legacy); null for safetensors.</summary>
    public int? Version { get; init; }

    /// <summary>The path inspected.</summary>
    public required string Path { get; init; }

    /// <summary>Total bytes of the file(s) inspected.</summary>
    public long FileSize { get; init; }

    /// <summary>Model architecture (GGUF <c>general.architecture</c>, HF <c>model_type</c>, "llama" for llama2.c).</summary>
    public string? Architecture { get; init; }

    /// <summary>Model name when the file records one.</summary>
    public string? Name { get; init; }

    // Hyperparameters under llama.cpp's names; null where the file does not state them.

    /// <summary>Context length the file states (GGUF <c>context_length</c>, HF <c>max_position_embeddings</c>, llama2.c seq_len).</summary>
    public long? ContextLength { get; init; }
    /// <summary>Hidden size.</summary>
    public long? EmbeddingLength { get; init; }
    /// <summary>Number of transformer blocks.</summary>
    public long? BlockCount { get; init; }
    /// <summary>Attention heads.</summary>
    public long? HeadCount { get; init; }
    /// <summary>Key/value heads (grouped-query attention).</summary>
    public long? HeadCountKv { get; init; }
    /// <summary>Feed-forward (intermediate) size.</summary>
    public long? FeedForwardLength { get; init; }
    /// <summary>Per-head key length when stated.</summary>
    public long? KeyLength { get; init; }
    /// <summary>Vocabulary size.</summary>
    public long? VocabSize { get; init; }
    /// <summary>RMSNorm epsilon.</summary>
    public double? RmsNormEps { get; init; }
    /// <summary>RoPE base frequency.</summary>
    public double? RopeFreqBase { get; init; }
    /// <summary>Rotary dimensions per head.</summary>
    public long? RopeDimensionCount { get; init; }
    /// <summary>RoPE scaling type ("linear", "yarn", "llama3", ...).</summary>
    public string? RopeScalingType { get; init; }
    /// <summary>RoPE scaling factor.</summary>
    public double? RopeScalingFactor { get; init; }

    /// <summary>Tokenizer found in or beside the file, if any.</summary>
    public TokenizerSummary? Tokenizer { get; init; }

    /// <summary>Number of tensors.</summary>
    public int TensorCount { get; init; }

    /// <summary>Bytes of tensor data in total.</summary>
    public long TensorBytes { get; init; }

    /// <summary>Tensor count and bytes per dtype, largest first.</summary>
    public required IReadOnlyList<DTypeUsage> Dtypes { get; init; }

    /// <summary>Every tensor, in file order.</summary>
    public required IReadOnlyList<TensorSummary> Tensors { get; init; }

    /// <summary>Other metadata (GGUF key/values, safetensors <c>__metadata__</c>), in file order; long arrays summarised.</summary>
    public required IReadOnlyList<MetadataSummary> Metadata { get; init; }
}
