// The vocabularies the benchmark runs, where their files live under testdata, and which have peers.
namespace Meridian.Bench.Tokenize;

/// <param name="Name">Name in the output.</param>
/// <param name="Path">Tokenizer file, relative to testdata.</param>
/// <param name="ReferenceIds">Committed War and Peace ids from two independent implementations, or null.</param>
/// <param name="HasPeers">True for tokenizer.json files, which HF tokenizers and ML.Tokenizers read; no peer reads GGUF.</param>
internal sealed record VocabCase(string Name, string Path, string? ReferenceIds, bool HasPeers)
{
    public static readonly IReadOnlyList<VocabCase> All =
    [
        new("qwen3", "hf-tokenizers/qwen3/tokenizer.json", "corpus/war-and-peace.qwen3.i32", HasPeers: true),
        new("llama3", "hf-tokenizers/llama3/tokenizer.json", null, HasPeers: true),
        new("llama-spm", "vocab/ggml-vocab-llama-spm.gguf", "corpus/war-and-peace.llama-spm.i32", HasPeers: false),
        new("qwen2-gguf", "vocab/ggml-vocab-qwen2.gguf", "corpus/war-and-peace.qwen3.i32", HasPeers: false),
    ];
}
