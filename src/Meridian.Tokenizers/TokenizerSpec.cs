// Plain description of a tokenizer, the one shape GGUF metadata, Hugging Face tokenizer.json and
// llama2.c tokenizer.bin are all read into. Field meanings follow llama.cpp's llama_vocab (src/llama-vocab.cpp).
namespace Meridian.Tokenizers;

/// <summary>
/// Everything needed to build a <see cref="Tokenizer"/>: vocabulary, scores or merges, token types,
/// special ids and flags. Plain data; <see cref="Tokenizer.Create"/> validates it. Token ids index
/// <see cref="Tokens"/>; <see cref="NoToken"/> (-1) means "none".
/// </summary>
public sealed partial class TokenizerSpec
{
    /// <summary>The id value that means "no such token" (llama.cpp LLAMA_TOKEN_NULL).</summary>
    public const int NoToken = -1;

    /// <summary>The algorithm.</summary>
    public required TokenizerKind Kind { get; init; }

    /// <summary>
    /// Token text by id, as GGUF <c>tokenizer.ggml.tokens</c> stores it: SentencePiece pieces use U+2581
    /// for space and &lt;0xXX&gt; for bytes; byte-level BPE tokens use the GPT-2 byte-to-unicode alphabet.
    /// </summary>
    public required IReadOnlyList<string> Tokens { get; init; }

    /// <summary>Merge scores by id (SentencePiece-BPE merges the pair whose token scores highest); null = all 0.</summary>
    public IReadOnlyList<float>? Scores { get; init; }

    /// <summary>Token types by id; null = all <see cref="TokenType.Normal"/>.</summary>
    public IReadOnlyList<TokenType>? TokenTypes { get; init; }

    /// <summary>Byte-level BPE merges, "left right", highest priority first (GGUF <c>tokenizer.ggml.merges</c>).</summary>
    public IReadOnlyList<string>? Merges { get; init; }

    /// <summary>
    /// The pre-tokenizer name of a byte-level BPE vocabulary, as llama.cpp knows it from
    /// <c>tokenizer.ggml.pre</c> ("gpt-2", "llama-bpe", "qwen2", ...); see <see cref="BpePreTokenizers"/>.
    /// Ignored for SentencePiece-BPE.
    /// </summary>
    public string? Pre { get; init; }

    /// <summary>
    /// Split regexes applied in sequence, overriding those of <see cref="Pre"/> (used for a tokenizer.json
    /// whose Split pattern is not one llama.cpp names). Same dialect as llama.cpp's lists.
    /// </summary>
    public IReadOnlyList<string>? PreRegexes { get; init; }

    /// <summary>Beginning-of-sequence id, or <see cref="NoToken"/>.</summary>
    public int BosId { get; init; } = NoToken;

    /// <summary>End-of-sequence id, or <see cref="NoToken"/>.</summary>
    public int EosId { get; init; } = NoToken;

    /// <summary>Unknown-token id, or <see cref="NoToken"/>.</summary>
    public int UnkId { get; init; } = NoToken;

    /// <summary>Padding id, or <see cref="NoToken"/>.</summary>
    public int PadId { get; init; } = NoToken;

    /// <summary>End-of-turn id (e.g. &lt;|eot_id|&gt;), or <see cref="NoToken"/> to detect it by text as llama.cpp does.</summary>
    public int EotId { get; init; } = NoToken;

    /// <summary>
    /// Ids that end generation. Null: derived as llama.cpp does (EOS, EOT and tokens whose text is
    /// a known end marker such as &lt;|im_end|&gt; or &lt;|endoftext|&gt;).
    /// </summary>
    public IReadOnlyList<int>? EndOfGenerationIds { get; init; }

    /// <summary>Prepend <see cref="BosId"/> when encoding with addSpecial.</summary>
    public bool AddBos { get; init; }

    /// <summary>Append <see cref="EosId"/> when encoding with addSpecial.</summary>
    public bool AddEos { get; init; }

    /// <summary>SentencePiece: prepend a space to text that starts the input or follows a special token, and drop it again when decoding.</summary>
    public bool AddSpacePrefix { get; init; }

    /// <summary>Byte-level BPE: a word that is itself a token is emitted whole, without running merges (Llama 3).</summary>
    public bool IgnoreMerges { get; init; }

    /// <summary>Decode removes spaces before ?!., and in a few contractions (clean_up_tokenization_spaces).</summary>
    public bool CleanSpaces { get; init; }

    /// <summary>Ids whose special-token match also swallows whitespace to its left.</summary>
    public IReadOnlyList<int>? LStripIds { get; init; }

    /// <summary>Ids whose special-token match also swallows whitespace to its right.</summary>
    public IReadOnlyList<int>? RStripIds { get; init; }

    /// <summary>The model's name (GGUF <c>general.name</c>); llama.cpp keys a few token-attribute fixes on it (Phi-3).</summary>
    public string? ModelName { get; init; }

    /// <summary>The Jinja chat template text, if the file has one.</summary>
    public string? ChatTemplate { get; init; }

    /// <summary>Number of tokens.</summary>
    public int VocabSize => Tokens.Count;

    /// <summary>The type of token <paramref name="id"/> (<see cref="TokenType.Normal"/> when no types are given).</summary>
    public TokenType TypeOf(int id) => TokenTypes is null ? TokenType.Normal : TokenTypes[id];
}
