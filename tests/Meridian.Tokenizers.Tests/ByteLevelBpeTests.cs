// Byte-level BPE: a tiny vocabulary worked by hand, unknown pre-tokenizer names refused by name, and
// llama.cpp's clean_spaces rules on hand-written strings.
namespace Meridian.Tokenizers.Tests;

public class ByteLevelBpeTests
{
    // Tokens: the 256 byte characters (ids 0..255 in byte order), then 256 "ab", 257 "bc", 258 "abc", 259 "Ġa".
    // Merges, best first: "b c" (rank 0), "a b" (1), "a bc" (2), "Ġ a" (3).
    private static TokenizerSpec TinySpec(string pre = "gpt-2") => new()
    {
        Kind = TokenizerKind.ByteLevelBpe,
        Pre = pre,
        Tokens = [.. Enumerable.Range(0, 256).Select(b => ByteChar(b).ToString()), "ab", "bc", "abc", "\u0120a"],
        Merges = ["b c", "a b", "a bc", "\u0120 a"],
    };

    private static char ByteChar(int b) => ByteLevelAlphabet.ByteToChar[b];

    [Fact]
    public void Encode_TinyVocab_MergesLowestRankFirst()
    {
        var t = Tokenizer.Create(TinySpec());
        // "abc": pairs ab (rank 1) and bc (rank 0): bc first, then a+bc (rank 2) -> abc. Merging ab first would end at ab|c.
        Assert.Equal([258], t.Encode("abc"));
        // "abd": ab (rank 1) merges, bd has no merge -> ab|d.
        Assert.Equal([256, 'd'], t.Encode("abd"));
        // " a" is one GPT-2 word: Ġ+a (rank 3) -> Ġa.  "a a" -> words "a", " a".
        Assert.Equal(['a', 259], t.Encode("a a"));
    }

    [Fact]
    public void Encode_TinyVocabNonAsciiByte_UsesTheByteCharacterToken()
    {
        // "é" = C3 A9: two byte characters, no merge.
        var t = Tokenizer.Create(TinySpec());
        Assert.Equal([0xC3, 0xA9], t.Encode("\u00E9"));
        Assert.Equal("\u00E9", t.Decode([0xC3, 0xA9]));
    }

    [Fact]
    public void Create_UnknownPreTokenizer_IsRefusedNamingIt()
    {
        var e = Assert.Throws<TokenizerException>(() => Tokenizer.Create(TinySpec(pre: "no-such-pre")));
        Assert.Contains("'no-such-pre'", e.Message);
        Assert.Contains("qwen2", e.Message); // the known names are listed
    }

    [Theory]
    [InlineData("default")]
    [InlineData("gpt-2")]
    [InlineData("llama-bpe")]
    [InlineData("qwen2")]
    [InlineData("deepseek-llm")]
    [InlineData("deepseek-coder")]
    [InlineData("deepseek-v3")]
    [InlineData("falcon")]
    [InlineData("mpt")]
    [InlineData("starcoder")]
    [InlineData("refact")]
    [InlineData("gpt-neox")]
    [InlineData("command-r")]
    [InlineData("olmo")]
    [InlineData("smollm")]
    public void Create_EveryRequiredPreTokenizer_BuildsAndRoundTripsText(string pre)
    {
        // The tiny vocab has every byte, so whatever the split, decoding gives the text back.
        var t = Tokenizer.Create(TinySpec(pre));
        const string text = "Hello, y'all! 3333 abc 我想在apple工作 \U0001D400\U0001D401 🦙\n\n  x";
        Assert.Equal(text, t.Decode(t.Encode(text)));
    }

    [Theory]
    [InlineData("Hello , world .", "Hello, world.")]      // space before , . dropped
    [InlineData("a ' b", "a'b")]                           // lone apostrophe between spaces
    [InlineData("it 's I 'm we 're you 've", "it's I'm we're you've")]
    [InlineData("don 't I 'd we 'll", "don 't I 'd we 'll")] // these keep their space in llama.cpp
    [InlineData(" ' ' x", "'' x")]                          // the zeroed space after the first quote hides the second pattern
    public void CleanSpaces_LlamaCppRules_GiveExpectedText(string raw, string expected)
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(raw);
        int n = SpaceCleaner.Clean(bytes);
        Assert.Equal(expected, System.Text.Encoding.UTF8.GetString(bytes, 0, n));
    }
}
