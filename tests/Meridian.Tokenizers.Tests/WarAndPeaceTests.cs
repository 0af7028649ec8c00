// The whole of War and Peace against token ids two independent implementations agree on
// (testdata/corpus, see its README): Llama 2's SentencePiece vocab and Qwen3's byte-level BPE, both from
// the GGUF and (Qwen3) from tokenizer.json; Gemma 3's tokenizer.json against transformers.js's ids (one
// implementation made those); GPT-OSS's against transformers.js's ids as a committed digest
// (Fixtures/gpt-oss-war-and-peace.json, made by tools/tokenizer-references); and decoding the ids gives the text back.
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

    // GPT-OSS (o200k-style byte-level BPE): the testdata has no War and Peace ids for it, so the fixture holds those of
    // transformers.js tokenizers as a count, a SHA-256 of the ids, one per run of 10,000 ids, and the first 32.
    [SkippableFact]
    public void Encode_WarAndPeace_GptOss_MatchesTransformersJsDigest()
    {
        var tokenizer = TestTokenizers.Get("hf-tokenizers/gpt-oss/tokenizer.json");
        string text = File.ReadAllText(TestData.Require("corpus/war-and-peace.txt"));
        using var fixture = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "gpt-oss-war-and-peace.json")));
        var root = fixture.RootElement;
        int count = root.GetProperty("count").GetInt32(), chunk = root.GetProperty("chunk").GetInt32();
        int[] first = root.GetProperty("first").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        string[] chunks = root.GetProperty("chunk_sha256").EnumerateArray().Select(e => e.GetString()!).ToArray();

        int[] actual = tokenizer.Encode(text);

        Assert.Equal(first, actual.Take(first.Length));
        byte[] bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(actual.AsSpan()).ToArray();
        for (int i = 0; i < chunks.Length; i++)
        {
            int start = i * chunk, n = Math.Min(chunk, actual.Length - start);
            string got = n > 0 ? Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes.AsSpan(start * 4, n * 4))) : "(no ids)";
            Assert.True(got == chunks[i], $"ids {start}..{start + chunk - 1} differ from transformers.js's (their SHA-256 {got}, expected {chunks[i]}); " +
                $"ours begin [{string.Join(' ', actual.Skip(start).Take(12))}]");
        }
        Assert.Equal(count, actual.Length);
        Assert.Equal(root.GetProperty("sha256").GetString(), Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)));
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
