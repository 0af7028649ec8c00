// `meridian tokenize` on llama.cpp's vocab test vectors: each string, given with --text and with --file,
// must print exactly the ids of its .out line (no BOS/EOS, no special-token parsing, as llama.cpp's
// test-tokenizer-0 made them). Every run loads the tokenizer afresh (a 128k-token BPE vocab takes
// ~0.3 s), so the byte-level BPE vocabs get the strings that stress argument and file passing (empty,
// tab, newlines only, astral emoji with ZWJ, the long mixed one); the library's own
// LlamaCppVocabTests check all 46 on every vocab.
using System.Text;
using System.Text.Json;
using Meridian.Tests.Shared;

namespace Meridian.Cli.Tests.Tokenize;

public sealed class TokenizeVocabTests
{
    // Indexes into the 46 strings: "", "\t", "\n\n\n", emoji with ZWJ and VS16, and the long mixed string.
    private static readonly int[] BpeSubset = [2, 6, 9, 22, 45];

    public static TheoryData<string, bool> Vocabs()
    {
        var data = new TheoryData<string, bool>();
        foreach (string vocab in new[] { "llama-spm", "phi-3", "gpt-2", "qwen2", "llama-bpe" })
            foreach (bool viaFile in new[] { false, true })
                data.Add(vocab, viaFile);
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(Vocabs))]
    public void Tokenize_VocabTestStrings_PrintLlamaCppIds(string vocab, bool viaFile)
    {
        string gguf = TestData.Require($"vocab/ggml-vocab-{vocab}.gguf");
        var (texts, ids) = VocabTestFile.Read(gguf + ".inp", gguf + ".out");
        Assert.Equal(46, texts.Length);
        // SentencePiece vocabs are small (32k) and load fast: all strings.
        IEnumerable<int> which = vocab is "llama-spm" or "phi-3" ? Enumerable.Range(0, texts.Length) : BpeSubset;
        AssertAll(gguf, texts, ids, which, viaFile);
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void Tokenize_Tok512VocabTestStrings_PrintRunCIds(bool viaFile)
    {
        string tok = TestData.Require("stories260k/tok512.bin");
        var (texts, ids) = VocabTestFile.Read(
            TestData.Require("stories260k/reference/tok512.vocabtest.inp"),
            TestData.Require("stories260k/reference/tok512.vocabtest.out"));
        AssertAll(tok, texts, ids, Enumerable.Range(0, texts.Length), viaFile);
    }

    private static void AssertAll(string model, string[] texts, string[] expectedIds, IEnumerable<int> which, bool viaFile)
    {
        using var dir = new TempDir();
        string file = dir.File("input.txt");
        var failures = new List<string>();
        foreach (int i in which)
        {
            CliResult r;
            if (viaFile)
            {
                File.WriteAllBytes(file, Encoding.UTF8.GetBytes(texts[i]));
                r = CliRunner.Run("tokenize", "--model", model, "--file", file);
            }
            else
            {
                r = CliRunner.Run("tokenize", "--model", model, "--text", texts[i]);
            }
            string expected = expectedIds[i] + Environment.NewLine;
            if (r.ExitCode != 0 || r.Stderr != "" || r.Stdout != expected)
                failures.Add($"string {i} {JsonSerializer.Serialize(texts[i])}: expected exit 0 and {JsonSerializer.Serialize(expected)}, " +
                             $"got exit {r.ExitCode}, stdout {JsonSerializer.Serialize(r.Stdout)}, stderr {JsonSerializer.Serialize(r.Stderr)}");
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }
}
