// What a byte-level BPE pre-tokenizer name means to llama.cpp: its split regexes and the flags the
// name switches (llama_vocab::impl::load and llm_tokenizer_bpe in src/llama-vocab.cpp).
namespace Meridian.Tokenizers;

/// <summary>
/// A byte-level BPE pre-tokenizer as llama.cpp defines it for one <c>tokenizer.ggml.pre</c> name.
/// </summary>
/// <param name="Name">The name, e.g. "qwen2".</param>
/// <param name="Regexes">Split regexes applied in sequence; each refines the words of the one before.</param>
/// <param name="IgnoreMerges">A word that is itself a token is emitted whole (Llama 3).</param>
/// <param name="CleanSpaces">Decoding removes spaces before punctuation (clean_up_tokenization_spaces).</param>
/// <param name="AddBos">Default for add_bos when the file does not say.</param>
public sealed record BpePreset(string Name, IReadOnlyList<string> Regexes, bool IgnoreMerges, bool CleanSpaces, bool AddBos);
