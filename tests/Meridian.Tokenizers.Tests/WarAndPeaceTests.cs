// The whole of War and Peace against token ids two independent implementations agree on
// (testdata/corpus, see its README): Llama 2's SentencePiece vocab and Qwen3's byte-level BPE, both from
// the GGUF and (Qwen3) from tokenizer.json; Gemma 3's tokenizer.json against transformers.js's ids (one
// implementation made those); and decoding the ids gives the text back.
using Meridian.Tests.Shared;

namespace Meridian.Tokenizers.Tests;

public class WarAndPeaceTests
{
    public static TheoryData<string, string> Cases => new()
    {
        { "vocab/ggml-vocab-llama-spm.gguf", "corpus/war-and-peace.llama-spm.i32" },
        { "vocab/ggml-vocab-qwen2.gguf", "corpus/war-and-peace.qwen3.i32" },
        { "hf-tokenizers/qwen3/tokenizer.json", "corpus/war-and-peace.qwen3.i32" },
        { "hf-tokenizers/gemma3/tokenizer.json", "hf-tokenizers/gemma3/war-and-peace.i32" },
    };

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Encode_WarAndPeace_MatchesReferenceIds(string tokenizerPath, string idsPath)
    {
        var tokenizer = TestTokenizers.Get(tokenizerPath);
        string text = File.ReadAllText(TestData.Require("corpus/war-and-peace.txt"));
        int[] expected = TestTokenizers.ReadInt32(TestData.Require(idsPath));

        int[] actual = tokenizer.Encode(text);

        int firstDiff = FirstDifference(expected, actual);
        Assert.True(firstDiff < 0,
            $"{expected.Length} expected ids, {actual.Length} actual; first difference at {firstDiff}: " +
            $"expected [{string.Join(' ', expected.Skip(Math.Max(0, firstDiff - 3)).Take(8))}], " +
            $"got [{string.Join(' ', actual.Skip(Math.Max(0, firstDiff - 3)).Take(8))}]");
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Decode_WarAndPeaceIds_GiveBackTheText(string tokenizerPath, string idsPath)
    {
        var tokenizer = TestTokenizers.Get(tokenizerPath);
        string text = File.ReadAllText(TestData.Require("corpus/war-and-peace.txt"));
        int[] ids = TestTokenizers.ReadInt32(TestData.Require(idsPath));

        string decoded = tokenizer.Decode(ids);
        int at = 0;
        while (at < Math.Min(text.Length, decoded.Length) && text[at] == decoded[at])
            at++;
        Assert.True(text == decoded, $"decoded text differs from war-and-peace.txt at {at} of {text.Length} ({decoded.Length} decoded): "
            + $"{System.Text.Json.JsonSerializer.Serialize(text.Substring(Math.Max(0, at - 20), Math.Min(40, text.Length - Math.Max(0, at - 20))))} "
            + $"vs {System.Text.Json.JsonSerializer.Serialize(decoded.Substring(Math.Max(0, at - 20), Math.Min(40, decoded.Length - Math.Max(0, at - 20))))}");
    }

    private static int FirstDifference(int[] a, int[] b)
    {
        int n = Math.Min(a.Length, b.Length);
        for (int i = 0; i < n; i++)
            if (a[i] != b[i])
                return i;
        return a.Length == b.Length ? -1 : n;
    }
}
