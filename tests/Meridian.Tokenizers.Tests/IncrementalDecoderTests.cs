// The streaming decoder against Tokenizer.Decode: pieces concatenate to the full decode, and never hold
// a U+FFFD the full decode does not have, including characters split across byte tokens and (GPT-2,
// Llama 3) space cleaning that depends on what comes next.
using System.Text;
using Meridian.Tests.Shared;

namespace Meridian.Tokenizers.Tests;

public class IncrementalDecoderTests
{
    public static TheoryData<string> Vocabs => new()
    {
        "vocab/ggml-vocab-llama-spm.gguf", "vocab/ggml-vocab-phi-3.gguf", "vocab/ggml-vocab-gpt-2.gguf",
        "vocab/ggml-vocab-qwen2.gguf", "vocab/ggml-vocab-llama-bpe.gguf", "stories260k/tok512.bin",
    };

    [SkippableTheory]
    [MemberData(nameof(Vocabs))]
    public void Push_VocabTestStrings_ConcatenatesToDecodeWithoutBrokenCharacters(string path)
    {
        var tokenizer = TestTokenizers.Get(path);
        string inp = TestData.Require("vocab/ggml-vocab-gpt-2.gguf.inp");
        var (texts, _) = TestTokenizers.ReadVocabTest(inp, inp[..^4] + ".out");
        foreach (string text in texts)
        {
            int[] ids = tokenizer.Encode(text, addSpecial: true);
            AssertStreamsLikeDecode(tokenizer, ids, skipSpecial: false);
            AssertStreamsLikeDecode(tokenizer, ids, skipSpecial: true);
        }
    }

    [SkippableTheory]
    [InlineData("vocab/ggml-vocab-llama-spm.gguf", "corpus/war-and-peace.llama-spm.i32")]
    [InlineData("vocab/ggml-vocab-qwen2.gguf", "corpus/war-and-peace.qwen3.i32")]
    public void Push_WarAndPeace_ConcatenatesToDecodeAndEveryPrefixIsAPrefixOfItsDecode(string path, string idsPath)
    {
        var tokenizer = TestTokenizers.Get(path);
        int[] ids = TestTokenizers.ReadInt32(TestData.Require(idsPath));
        AssertStreamsLikeDecode(tokenizer, ids, skipSpecial: false);

        // On a slice, after every id the text so far is a prefix of the decode of the ids so far.
        var decoder = tokenizer.CreateIncrementalDecoder();
        var sofar = new StringBuilder();
        for (int k = 1; k <= 2000; k++)
        {
            sofar.Append(decoder.Push(ids[k - 1]));
            string full = tokenizer.Decode(ids.AsSpan(0, k));
            Assert.True(full.StartsWith(sofar.ToString(), StringComparison.Ordinal), $"after {k} ids the streamed text is no prefix of the decode");
        }
    }

    [SkippableFact]
    public void Push_RandomByteTokens_ConcatenatesToDecodeIncludingInvalidUtf8()
    {
        // Llama 2 byte tokens <0x00>..<0xFF> are ids 3..258; random runs mix valid, cut and invalid UTF-8.
        var tokenizer = TestTokenizers.Get("vocab/ggml-vocab-llama-spm.gguf");
        var random = new Random(1234);
        int[] lead = [0xC3, 0xE2, 0xF0, 0x9F, 0x98, 0x80, 0xA9, 0x41, 0x20, 0xED, 0xF4, 0xC0];
        for (int trial = 0; trial < 500; trial++)
        {
            int[] ids = Enumerable.Range(0, 12).Select(_ => 3 + (random.Next(3) == 0 ? random.Next(256) : lead[random.Next(lead.Length)])).ToArray();
            AssertStreamsLikeDecode(tokenizer, ids, skipSpecial: false);
        }
    }

    [SkippableFact]
    public void Push_RandomSpacesAndPunctuation_MatchesDecodeWithCleanSpaces()
    {
        // GPT-2 decodes with clean_spaces, whose rules look ahead; random runs of the tokens involved.
        var gpt2 = TestTokenizers.Get("vocab/ggml-vocab-gpt-2.gguf");
        Assert.True(gpt2.Spec.CleanSpaces);
        int[] pool = new[] { " ", "'", " '", "s", "m", "re", "ve", "r", "v", "t", "ll", "?", "!", ".", ",", "a", " a", "é", " é" }
            .SelectMany(t => gpt2.Encode(t)).Distinct().ToArray();
        var random = new Random(42);
        for (int trial = 0; trial < 2000; trial++)
        {
            int[] ids = Enumerable.Range(0, 16).Select(_ => pool[random.Next(pool.Length)]).ToArray();
            AssertStreamsLikeDecode(gpt2, ids, skipSpecial: false);
        }
    }

    [SkippableFact]
    public void Push_Continuation_KeepsTheFirstSpace()
    {
        // Streaming a reply after a prompt: Decode(prompt) + streamed reply == Decode(prompt + reply).
        var llama = TestTokenizers.Get("vocab/ggml-vocab-llama-spm.gguf");
        int[] prompt = llama.Encode("Once upon a time", addSpecial: true);
        int[] reply = llama.Encode(" there was a dragon")[1..]; // drop the lone prefix ▁ of a fresh encode
        var decoder = llama.CreateIncrementalDecoder(continuation: true);
        string streamed = string.Concat(reply.Select(decoder.Push)) + decoder.Flush();

        Assert.Equal(llama.Decode([.. prompt, .. reply]), llama.Decode(prompt) + streamed);
        Assert.StartsWith(" ", streamed);
    }

    private static void AssertStreamsLikeDecode(Tokenizer tokenizer, int[] ids, bool skipSpecial)
    {
        string full = tokenizer.Decode(ids, skipSpecial);
        bool fullHasReplacement = full.Contains('\uFFFD');
        var decoder = tokenizer.CreateIncrementalDecoder(skipSpecial);
        var streamed = new StringBuilder();
        foreach (int id in ids)
        {
            string piece = decoder.Push(id);
            if (!fullHasReplacement)
                Assert.DoesNotContain('\uFFFD', piece);
            streamed.Append(piece);
        }
        streamed.Append(decoder.Flush());
        Assert.Equal(full, streamed.ToString());
    }
}
