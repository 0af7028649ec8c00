// SentencePiece-BPE: a tiny vocabulary worked by hand, Llama 2 prompts with the ids llama2.c's test.c
// expects (BOS included), and the llama2.c tokenizer.bin typed the way llama.cpp's converter types it.
using System.Text.Json;
using Meridian.Models.Tokenizers;
using Meridian.Tests.Shared;

namespace Meridian.Tokenizers.Tests;

public class SentencePieceBpeTests
{
    // id: text (score)
    //  0 <unk>  1 <s>  2 </s>  3 ▁ (-10)  4 a (-10)  5 b (-10)  6 c (-10)  7 ab (-1)  8 bc (-2)
    //  9 ▁a (-0.5)  10 aa (-0.5)  11 <0xC3>  12 <0xA9>
    //  13 a▁ (-0.1), only when withSpaceInside
    private static Tokenizer Tiny(bool withSpaceInside = false) => Tokenizer.Create(new TokenizerSpec
    {
        Kind = TokenizerKind.SentencePieceBpe,
        Tokens = ["<unk>", "<s>", "</s>", "\u2581", "a", "b", "c", "ab", "bc", "\u2581a", "aa", "<0xC3>", "<0xA9>", .. (withSpaceInside ? new[] { "a\u2581" } : [])],
        Scores = [0, 0, 0, -10, -10, -10, -10, -1, -2, -0.5f, -0.5f, 0, 0, -0.1f],
        TokenTypes =
        [
            TokenType.Unknown, TokenType.Control, TokenType.Control, TokenType.Normal, TokenType.Normal, TokenType.Normal,
            TokenType.Normal, TokenType.Normal, TokenType.Normal, TokenType.Normal, TokenType.Normal, TokenType.Byte, TokenType.Byte,
            TokenType.Normal,
        ],
        BosId = 1,
        EosId = 2,
        UnkId = 0,
        AddBos = true,
        AddSpacePrefix = true,
    });

    [Fact]
    public void Encode_TinyVocab_MergesHighestScoreFirst()
    {
        // "abc" -> "▁abc": pairs ▁a (-0.5), ab (-1), bc (-2); ▁a merges first, leaving ▁a|b|c.
        // Then ▁ab is no token and bc (-2) merges: ▁a|bc. (Merging ab first would have given ▁|ab|c.)
        Assert.Equal([9, 8], Tiny().Encode("abc"));
    }

    [Fact]
    public void Encode_TinyVocabEqualScores_MergesLeftmostFirst()
    {
        // "aa" -> "▁aa": pairs ▁a (-0.5) at 0 and aa (-0.5) at 1 tie; the left one wins: ▁a|a, and ▁aa is no token.
        Assert.Equal([9, 4], Tiny().Encode("aa"));
    }

    [Fact]
    public void Encode_TokenWithSpaceAfterALetter_MergesAcrossWords()
    {
        // "a b" -> "▁a▁b": pairs ▁a (-0.5) at 0 and a▁ (-0.1) at 1; a▁ wins: ▁|a▁|b, and neither ▁a▁ nor a▁b
        // is a token. (Cutting the text into words "▁a", "▁b" first would give ▁a|▁|b.)
        Assert.Equal([3, 13, 5], Tiny(withSpaceInside: true).Encode("a b"));
        Assert.Equal([9, 3, 5], Tiny().Encode("a b"));
    }

    [Fact]
    public void Encode_TinyVocabCharacterNotInVocab_FallsBackToByteTokens()
    {
        // "é" is C3 A9: no token "é", so its bytes <0xC3> <0xA9>; "z" has no token and no byte token: <unk>.
        Assert.Equal([3, 11, 12], Tiny().Encode("\u00E9"));
        Assert.Equal([3, 0], Tiny().Encode("z"));
    }

    [Fact]
    public void Encode_TinyVocabAddSpecial_PrependsBos()
    {
        Assert.Equal([1, 9, 8], Tiny().Encode("abc", addSpecial: true));
        Assert.Equal([1], Tiny().Encode("", addSpecial: true));
    }

    [Fact]
    public void Decode_TinyVocab_DropsThePrefixSpaceAndJoinsByteTokens()
    {
        Assert.Equal("abc", Tiny().Decode([9, 8]));
        Assert.Equal("\u00E9", Tiny().Decode([3, 11, 12]));
    }

    [SkippableFact]
    public void Encode_Llama2TestCPrompts_MatchExpectedIdsWithBos()
    {
        // llama2.c's test.c prompts, tokenized by Meta's Llama 2 tokenizer; the GGUF holds the same vocabulary.
        var tokenizer = TestTokenizers.Get("vocab/ggml-vocab-llama-spm.gguf");
        using var doc = JsonDocument.Parse(File.ReadAllText(TestData.Require("vocab/llama2-tokenizer.testc-vectors.json")));
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            string text = c.GetProperty("text").GetString()!;
            int[] expected = c.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            Assert.Equal(expected, tokenizer.Encode(text, addSpecial: true));
            // Without BOS the ids decode back to the prompt (the prefix space is dropped again).
            Assert.Equal(text, tokenizer.Decode(expected.AsSpan(1)));
        }
    }

    [SkippableFact]
    public void FromLlama2C_Tok512_MatchesTheVocabLlamaCppConvertedToGguf()
    {
        // stories260K-F32.gguf was made from tok512.bin by llama.cpp's llama2c converter.
        var fromBin = TokenizerLoader.LoadSpec(TestData.Require("stories260k/tok512.bin"));
        var fromGguf = TokenizerLoader.LoadSpec(TestData.Require("stories260k/stories260K-F32.gguf"));

        Assert.Equal(fromGguf.Tokens, fromBin.Tokens);
        Assert.Equal(fromGguf.Scores, fromBin.Scores);
        Assert.Equal(fromGguf.TokenTypes, fromBin.TokenTypes);
        Assert.Equal((fromGguf.BosId, fromGguf.EosId, fromGguf.UnkId), (fromBin.BosId, fromBin.EosId, fromBin.UnkId));
        Assert.Equal((fromGguf.AddBos, fromGguf.AddSpacePrefix), (fromBin.AddBos, fromBin.AddSpacePrefix));
    }
}
