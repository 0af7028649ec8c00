// The llama.cpp vocab test vectors (tests/test-tokenizer-0 loop: no BOS/EOS, no special parsing), id for
// id, for every vocab GGUF in testdata/vocab and llama2.c's tok512.
using Meridian.Tests.Shared;

namespace Meridian.Tokenizers.Tests;

public class LlamaCppVocabTests
{
    public static TheoryData<string> Vocabs => new() { "llama-spm", "phi-3", "gpt-2", "qwen2", "llama-bpe" };

    [SkippableTheory]
    [MemberData(nameof(Vocabs))]
    public void Encode_VocabTestStrings_MatchLlamaCppIds(string vocab)
    {
        string gguf = $"vocab/ggml-vocab-{vocab}.gguf";
        var tokenizer = TestTokenizers.Get(gguf);
        var (texts, expected) = TestTokenizers.ReadVocabTest(TestData.Require(gguf + ".inp"), TestData.Require(gguf + ".out"));
        AssertAll(tokenizer, texts, expected);
    }

    public static TheoryData<string, string> HfTokenizers => new()
    {
        { "hf-tokenizers/qwen3/tokenizer.json", "vocab/ggml-vocab-qwen2.gguf" },
        { "hf-tokenizers/llama3/tokenizer.json", "vocab/ggml-vocab-llama-bpe.gguf" },
    };

    [SkippableTheory]
    [MemberData(nameof(HfTokenizers))]
    public void Encode_HfTokenizerJsonOnVocabTestStrings_MatchLlamaCppIdsOfTheSameVocab(string tokenizerJson, string gguf)
    {
        var tokenizer = TestTokenizers.Get(tokenizerJson);
        var (texts, expected) = TestTokenizers.ReadVocabTest(TestData.Require(gguf + ".inp"), TestData.Require(gguf + ".out"));
        AssertAll(tokenizer, texts, expected);
    }

    // Gemma 3 (SentencePiece-style BPE with byte fallback, 262k tokens) and GPT-OSS (o200k-style byte-level BPE):
    // llama.cpp's 46 strings as transformers.js tokenizes them (testdata README: one implementation made these).
    public static TheoryData<string> NewTokenizers => new() { "gemma3", "gpt-oss" };

    [SkippableTheory]
    [MemberData(nameof(NewTokenizers))]
    public void Encode_VocabTestStrings_MatchTransformersJsIds(string name)
    {
        var tokenizer = TestTokenizers.Get($"hf-tokenizers/{name}/tokenizer.json");
        var (texts, expected) = TestTokenizers.ReadVocabTest(TestData.Require("vocab/ggml-vocab-llama-spm.gguf.inp"), TestData.Require($"hf-tokenizers/{name}/vocabtest.out"));
        AssertAll(tokenizer, texts, expected);
    }

    [SkippableFact]
    public void Encode_Tok512VocabTestStrings_MatchRunCAndLlamaCppIds()
    {
        var tokenizer = TestTokenizers.Get("stories260k/tok512.bin");
        var (texts, expected) = TestTokenizers.ReadVocabTest(
            TestData.Require("stories260k/reference/tok512.vocabtest.inp"),
            TestData.Require("stories260k/reference/tok512.vocabtest.out"));
        AssertAll(tokenizer, texts, expected);
    }

    private static void AssertAll(Tokenizer tokenizer, string[] texts, int[][] expected)
    {
        var failures = new List<string>();
        for (int i = 0; i < texts.Length; i++)
        {
            int[] actual = tokenizer.Encode(texts[i]);
            if (!actual.SequenceEqual(expected[i]))
                failures.Add($"string {i} {Escape(texts[i])}: expected [{string.Join(' ', expected[i])}], got [{string.Join(' ', actual)}]");
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    private static string Escape(string s) => System.Text.Json.JsonSerializer.Serialize(s);
}
