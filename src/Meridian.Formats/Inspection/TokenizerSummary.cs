// A tokenizer's headline facts, as `meridian inspect` reports them.
namespace Meridian.Formats.Inspection;

/// <summary>A tokenizer's headline facts.</summary>
public sealed record TokenizerSummary
{
    /// <summary>Tokenizer model ("llama" = SentencePiece BPE, "gpt2" = byte-level BPE, "llama2c").</summary>
    public string? Model { get; init; }
    /// <summary>Pre-tokenizer name (GGUF <c>tokenizer.ggml.pre</c>).</summary>
    public string? Pre { get; init; }
    /// <summary>Number of tokens in the vocabulary.</summary>
    public long? TokenCount { get; init; }
    /// <summary>Number of merges (byte-level BPE).</summary>
    public long? MergeCount { get; init; }
    /// <summary>Beginning-of-sequence id.</summary>
    public long? BosTokenId { get; init; }
    /// <summary>End-of-sequence id.</summary>
    public long? EosTokenId { get; init; }
    /// <summary>Whether a chat template is stored.</summary>
    public bool HasChatTemplate { get; init; }
    /// <summary>Where the tokenizer was found (a file path) when not inside the model file.</summary>
    public string? Source { get; init; }
}
