// Which tokenization algorithm a vocabulary uses (llama.cpp's LLAMA_VOCAB_TYPE_SPM / _BPE).
namespace Meridian.Tokenizers;

/// <summary>The tokenization algorithm of a <see cref="TokenizerSpec"/>.</summary>
public enum TokenizerKind
{
    /// <summary>
    /// SentencePiece-style BPE (GGUF <c>tokenizer.ggml.model = "llama"</c>): spaces become U+2581,
    /// adjacent pieces merge by highest token score, unknown characters fall back to &lt;0xXX&gt;
    /// byte tokens. Llama 1/2, Mistral, Phi-3, llama2.c tokenizer.bin.
    /// </summary>
    SentencePieceBpe,

    /// <summary>
    /// Byte-level BPE (GGUF <c>tokenizer.ggml.model = "gpt2"</c>, Hugging Face <c>ByteLevel</c>):
    /// a pre-tokenizer splits the text into words, each word's UTF-8 bytes are mapped to printable
    /// characters and merged by merge rank. GPT-2, Llama 3, Qwen, DeepSeek, ...
    /// </summary>
    ByteLevelBpe,
}
