// Token types as GGUF stores them in tokenizer.ggml.token_type (llama.cpp llama_token_type,
// the same numbering as SentencePiece's ModelProto.SentencePiece.Type plus 0 = undefined).
namespace Meridian.Tokenizers;

/// <summary>The type of one vocabulary entry; values are the GGUF <c>tokenizer.ggml.token_type</c> codes.</summary>
public enum TokenType
{
    /// <summary>No type recorded (0).</summary>
    Undefined = 0,
    /// <summary>An ordinary piece of text (1).</summary>
    Normal = 1,
    /// <summary>The unknown token, e.g. &lt;unk&gt; (2).</summary>
    Unknown = 2,
    /// <summary>A control token such as &lt;s&gt; or &lt;|im_start|&gt;: matched in text only when asked to parse specials (3).</summary>
    Control = 3,
    /// <summary>A user-defined token: always matched in text as a whole, never split (4).</summary>
    UserDefined = 4,
    /// <summary>An unused placeholder (5).</summary>
    Unused = 5,
    /// <summary>A byte-fallback token &lt;0xXX&gt; (6).</summary>
    Byte = 6,
}
