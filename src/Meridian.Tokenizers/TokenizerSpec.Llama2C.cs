// TokenizerSpec from a llama2.c tokenizer.bin vocabulary, typed the way llama.cpp's
// convert-llama2c-to-ggml types it (facts: karpathy/llama2.c tokenizer.py export, run.c encode).
using System.Text;

namespace Meridian.Tokenizers;

public sealed partial class TokenizerSpec
{
    /// <summary>
    /// Builds a SentencePiece-BPE spec from llama2.c tokenizer.bin contents. The export replaced
    /// U+2581 by a space and wrote BOS/EOS as "\n&lt;s&gt;\n" / "\n&lt;/s&gt;\n"; this undoes both and
    /// types id 0 as unknown, 1 and 2 as control, &lt;0xXX&gt; as byte. BOS = 1, EOS = 2, UNK = 0,
    /// space prefix on (run.c's add_dummy_prefix).
    /// </summary>
    public static TokenizerSpec FromLlama2C(IReadOnlyList<byte[]> tokens, IReadOnlyList<float> scores)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(scores);
        if (tokens.Count != scores.Count)
            throw new TokenizerException($"llama2.c tokenizer has {tokens.Count} tokens but {scores.Count} scores");
        if (tokens.Count < 3)
            throw new TokenizerException($"llama2.c tokenizer has {tokens.Count} tokens; ids 0-2 must be <unk>, <s>, </s>");

        var text = new string[tokens.Count];
        var types = new TokenType[tokens.Count];
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);
        for (int id = 0; id < tokens.Count; id++)
        {
            string t = utf8.GetString(tokens[id]);
            (text[id], types[id]) = id switch
            {
                0 => ("<unk>", TokenType.Unknown),
                1 => ("<s>", TokenType.Control),
                2 => ("</s>", TokenType.Control),
                _ when t.Length == 0 => (t, TokenType.Control),
                _ when IsByteTokenText(t) => (t, TokenType.Byte),
                _ => (t.Replace(' ', '\u2581'), TokenType.Normal),
            };
        }
        return new TokenizerSpec
        {
            Kind = TokenizerKind.SentencePieceBpe,
            Tokens = text,
            Scores = scores.ToArray(),
            TokenTypes = types,
            BosId = 1,
            EosId = 2,
            UnkId = 0,
            AddBos = true,
            AddSpacePrefix = true,
        };
    }

    /// <summary>True for "&lt;0xXX&gt;" with two upper- or lower-case hex digits.</summary>
    internal static bool IsByteTokenText(string t) =>
        t.Length == 6 && t.StartsWith("<0x", StringComparison.Ordinal) && t[5] == '>' &&
        char.IsAsciiHexDigit(t[3]) && char.IsAsciiHexDigit(t[4]);
}
