// `meridian tokenize` options against llama.cpp's own tokenizer (LLamaSharp): --special is llama_tokenize's
// parse_special, --bos its add_special (BOS/EOS as the file's flags say); --json pieces are
// llama_token_to_piece; a tokenizer.json directory tokenizes as the GGUF made from it.
using System.Text.Json;
using Meridian.Tests.Shared;

namespace Meridian.Cli.Tests.Tokenize;

public sealed class TokenizeOptionsTests
{
    private const string Qwen2 = "vocab/ggml-vocab-qwen2.gguf";
    private const string ChatText = "<|im_start|>user\nHello<|im_end|>";

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void Tokenize_ImStartWithAndWithoutSpecial_MatchesLlamaCppParseSpecial(bool special)
    {
        string gguf = TestData.Require(Qwen2);
        int[] expected = LlamaCppTokenizer.Tokenize(gguf, ChatText, addSpecial: false, parseSpecial: special);
        // The test only means something if the flag changes llama.cpp's answer.
        int[] other = LlamaCppTokenizer.Tokenize(gguf, ChatText, addSpecial: false, parseSpecial: !special);
        Assert.NotEqual(expected, other);

        var r = special
            ? CliRunner.Run("tokenize", "--model", gguf, "--text", ChatText, "--special")
            : CliRunner.Run("tokenize", "--model", gguf, "--text", ChatText);

        Assert.Equal("", r.Stderr);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(string.Join(' ', expected) + Environment.NewLine, r.Stdout);
    }

    public static TheoryData<string> BosVocabs => new() { "llama-spm", "phi-3", "gpt-2", "qwen2" };

    [SkippableTheory]
    [MemberData(nameof(BosVocabs))]
    public void Tokenize_Bos_MatchesLlamaCppAddSpecial(string vocab)
    {
        string gguf = TestData.Require($"vocab/ggml-vocab-{vocab}.gguf");
        const string text = "Hello world";
        int[] expected = LlamaCppTokenizer.Tokenize(gguf, text, addSpecial: true, parseSpecial: false);

        var r = CliRunner.Run("tokenize", "--model", gguf, "--text", text, "--bos");

        Assert.Equal("", r.Stderr);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(string.Join(' ', expected) + Environment.NewLine, r.Stdout);
    }

    [SkippableFact]
    public void Tokenize_BosOnLlamaSpm_PrependsLlamaCppBos()
    {
        string gguf = TestData.Require("vocab/ggml-vocab-llama-spm.gguf");
        int bos = (int)LlamaCppTokenizer.Get(gguf).Vocab.BOS!.Value;
        int[] plain = LlamaCppTokenizer.Tokenize(gguf, "Hello world", addSpecial: false, parseSpecial: false);

        var with = CliRunner.Run("tokenize", "--model", gguf, "--text", "Hello world", "--bos");
        var without = CliRunner.Run("tokenize", "--model", gguf, "--text", "Hello world");

        Assert.Equal(string.Join(' ', plain.Prepend(bos)) + Environment.NewLine, with.Stdout);
        Assert.Equal(string.Join(' ', plain) + Environment.NewLine, without.Stdout);
    }

    [SkippableFact]
    public void Tokenize_BosOnTok512_MatchesRunCPromptTokens()
    {
        string tok = TestData.Require("stories260k/tok512.bin");
        // Line 1 is run.c's encode(prompt, bos=1, eos=0) of "There was a big" (the file's name): BOS (1) first.
        string[] line1 = File.ReadLines(TestData.Require("stories260k/reference/runc.greedy_prompt_there_was_a_big_64.ids.txt")).First().Split(' ');
        Assert.Equal("prompt_tokens", line1[0]);
        Assert.Equal("1", line1[1]);
        string runc = string.Join(' ', line1[1..]);

        var with = CliRunner.Run("tokenize", "--model", tok, "--text", "There was a big", "--bos");
        var without = CliRunner.Run("tokenize", "--model", tok, "--text", "There was a big");

        Assert.Equal(runc + Environment.NewLine, with.Stdout);
        Assert.Equal(string.Join(' ', line1[2..]) + Environment.NewLine, without.Stdout);
    }

    [SkippableFact]
    public void Tokenize_JsonOnAsciiText_PiecesConcatenateToTheText()
    {
        string gguf = TestData.Require("vocab/ggml-vocab-gpt-2.gguf");
        const string text = "Hello, world! It's 3 o'clock: time for tea.";
        int[] expected = LlamaCppTokenizer.Tokenize(gguf, text, addSpecial: false, parseSpecial: false);

        var r = CliRunner.Run("tokenize", "--model", gguf, "--text", text, "--json");

        Assert.Equal("", r.Stderr);
        Assert.Equal(0, r.ExitCode);
        var (ids, pieces) = ParseJson(r.Stdout);
        Assert.Equal(expected, ids);
        Assert.Equal(text, string.Concat(pieces));
    }

    [SkippableFact]
    public void Tokenize_JsonWithSpecial_PiecesMatchLlamaCppTokenToPiece()
    {
        string gguf = TestData.Require(Qwen2);
        int[] expected = LlamaCppTokenizer.Tokenize(gguf, ChatText, addSpecial: false, parseSpecial: true);

        var r = CliRunner.Run("tokenize", "--model", gguf, "--text", ChatText, "--special", "--json");

        Assert.Equal(0, r.ExitCode);
        var (ids, pieces) = ParseJson(r.Stdout);
        Assert.Equal(expected, ids);
        Assert.Equal(expected.Select(id => LlamaCppTokenizer.Piece(gguf, id)), pieces);
        // The JSON keeps special tokens readable rather than \u003C-escaped.
        Assert.Contains("\"<|im_start|>\"", r.Stdout);
    }

    [SkippableFact]
    public void Tokenize_HfTokenizerJsonDirectory_PrintsTheIdsOfTheQwen2Gguf()
    {
        // A tokenizer.json file is read the same way; template --model tests pass one.
        string path = TestData.Require("hf-tokenizers/qwen3");
        string gguf = TestData.Require(Qwen2);
        var (texts, ids) = VocabTestFile.Read(gguf + ".inp", gguf + ".out");
        // The long mixed vocab-test string (llama.cpp's ids for the same vocabulary), then special-token parsing.
        var r = CliRunner.Run("tokenize", "--model", path, "--text", texts[45]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(ids[45] + Environment.NewLine, r.Stdout);
        int[] special = LlamaCppTokenizer.Tokenize(gguf, ChatText, addSpecial: false, parseSpecial: true);
        var s = CliRunner.Run("tokenize", "--model", path, "--text", ChatText, "--special");
        Assert.Equal(string.Join(' ', special) + Environment.NewLine, s.Stdout);
    }

    private static (int[] Ids, string[] Pieces) ParseJson(string stdout)
    {
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.Equal(JsonValueKind.Object, root.ValueKind);
        Assert.Equal(["ids", "pieces"], root.EnumerateObject().Select(p => p.Name));
        int[] ids = root.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        string[] pieces = root.GetProperty("pieces").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.Equal(ids.Length, pieces.Length);
        return (ids, pieces);
    }
}
