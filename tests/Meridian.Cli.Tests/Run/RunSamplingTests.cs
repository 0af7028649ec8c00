// `meridian run` / `chat` sampling flags end to end: seeds reproduce, top-k 1 is greedy, --stop cuts
// before the stop string, -n bounds the generated tokens, bad values name their flag. On a
// project-owned tiny model (always) and on stories260K against run.c's greedy text (when present).
using System.Text.RegularExpressions;
using Meridian.Engine.Tests.Generation;
using Meridian.Models.Tokenizers;
using Meridian.Tests.Shared;

namespace Meridian.Cli.Tests.Run;

public sealed partial class RunSamplingTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly string _tiny;

    public RunSamplingTests()
    {
        _tiny = _dir.File("letters.gguf");
        TinyLetterModel.Write(_tiny);
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Run_TinyModel_SameSeedSameText_DifferentSeedDifferentText()
    {
        string a = Ok("run", "--model", _tiny, "--temp", "1", "--seed", "11", "-n", "40", "--ignore-eos");
        string b = Ok("run", "--model", _tiny, "--temp", "1", "--seed", "11", "-n", "40", "--ignore-eos");
        string c = Ok("run", "--model", _tiny, "--temp", "1", "--seed", "12", "-n", "40", "--ignore-eos");
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [SkippableFact]
    public void Run_Stories260K_SameSeedSameText_DifferentSeedDifferentText()
    {
        string model = TestData.Require("stories260k/stories260K-F32.gguf");
        string a = Ok("run", "--model", model, "--temp", "1", "--seed", "5", "-n", "60");
        string b = Ok("run", "--model", model, "--temp", "1", "--seed", "5", "-n", "60");
        string c = Ok("run", "--model", model, "--temp", "1", "--seed", "6", "-n", "60");
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Run_WithoutSeed_PrintsTheSeed_WhichReproducesTheText()
    {
        var first = CliRunner.Run("run", "--model", _tiny, "--temp", "1", "-n", "30", "--ignore-eos");
        Assert.True(first.ExitCode == 0, first.Stderr);
        var match = SeedLine().Match(first.Stderr);
        Assert.True(match.Success, first.Stderr);
        string again = Ok("run", "--model", _tiny, "--temp", "1", "-n", "30", "--ignore-eos", "--seed", match.Groups[1].Value);
        Assert.Equal(first.Stdout, again);
    }

    [SkippableTheory]
    [InlineData("tiny")]
    [InlineData("stories260k/stories260K-F32.gguf")]
    public void Run_TopK1AtTemp1_EqualsGreedy(string which)
    {
        string model = which == "tiny" ? _tiny : TestData.Require(which);
        string greedy = Ok("run", "--model", model, "--temp", "0", "-n", "80");
        string topK1 = Ok("run", "--model", model, "--temp", "1", "--top-k", "1", "--seed", "99", "-n", "80");
        Assert.Equal(greedy, topK1);
    }

    [SkippableTheory]
    [InlineData("Lily")]         // one token, first seen in the first sentence
    [InlineData(" play outside")] // several tokens
    [InlineData("g, red b")]      // starts and ends inside tokens
    public void Run_Stop_Stories260K_CutsRunCTextBeforeTheStopString(string stop)
    {
        string reference = File.ReadAllText(TestData.Require("stories260k/reference/runc_t0_n200.txt"));
        int at = reference.IndexOf(stop, StringComparison.Ordinal);
        Assert.True(at > 0, $"'{stop}' is not in the reference text");
        string model = TestData.Require("stories260k/stories260K-F32.gguf");
        var r = CliRunner.Run("run", "--model", model, "--temp", "0", "-n", "200", "--stop", stop, "--stop", "never appears");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(reference[..at] + "\n", r.Stdout);
    }

    [Fact]
    public void Run_Stop_TinyModel_EarliestOfSeveralWins_AndIsNotPrinted()
    {
        string full = Ok("run", "--model", _tiny, "--temp", "0", "-n", "60", "--ignore-eos").TrimEnd('\n');
        Assert.True(full.Length >= 30, full);
        string early = full.Substring(10, 3), late = full.Substring(20, 4);
        int cut = Math.Min(full.IndexOf(early, StringComparison.Ordinal), full.IndexOf(late, StringComparison.Ordinal));
        string got = Ok("run", "--model", _tiny, "--temp", "0", "-n", "60", "--ignore-eos", "--stop", late, "--stop", early);
        Assert.Equal(full[..cut] + "\n", got);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(17)]
    public void Run_MaxTokens_TinyModel_GeneratesExactlyNTokens(int n)
    {
        // One token per character and no merges, so re-encoding the text counts the generated tokens.
        // The prompt makes the output a continuation, so a leading "▁" keeps its space.
        var r = CliRunner.Run("run", "--model", _tiny, "--prompt", "a", "--temp", "1", "--seed", "4", "-n", $"{n}", "--ignore-eos");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var tokenizer = TokenizerLoader.Load(_tiny);
        Assert.Equal(n, tokenizer.Encode(r.Stdout[..^1], parseSpecial: true).Length); // the text may hold "<s>", "</s>", "<unk>"
        Assert.Contains($"generation: {n} tokens", r.Stderr);
    }

    [Theory]
    [InlineData("2000000000")]
    [InlineData("-1")]
    public void Run_MaxTokensBeyondContext_StopsWhenTheContextIsFull(string n)
    {
        // The tiny model's context is 256 (below the 512 floor): the cache holds 512 positions, BOS
        // plus 511 fed tokens, and the token sampled at the last position is still printed.
        var r = CliRunner.Run("run", "--model", _tiny, "--temp", "0", "-n", n, "--ignore-eos");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("the context of 512 tokens is full", r.Stderr);
        Assert.Contains("generation: 512 tokens", r.Stderr);
    }

    [SkippableFact]
    public void Run_MaxTokens_Stories260K_PrintsTheFirstNRunCTokens()
    {
        // run.c's greedy ids; the text of the first 20 generated ones is what -n 20 prints.
        string ids = File.ReadLines(TestData.Require("stories260k/reference/runc.greedy_bos_200.ids.txt"))
            .First(l => l.StartsWith("sequence ", StringComparison.Ordinal));
        int[] sequence = ids.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(int.Parse).ToArray();
        string model = TestData.Require("stories260k/stories260K-F32.gguf");
        var tokenizer = TokenizerLoader.Load(model);
        var decoder = tokenizer.CreateIncrementalDecoder();
        string expected = string.Concat(sequence[1..21].Select(decoder.Push)) + decoder.Flush() + "\n";
        var r = CliRunner.Run("run", "--model", model, "--temp", "0", "-n", "20");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(expected, r.Stdout);
        Assert.Contains("generation: 20 tokens", r.Stderr);
    }

    [Theory]
    [InlineData("--top-p", "2")]
    [InlineData("--top-p", "0")]
    [InlineData("--temp", "-1")]
    [InlineData("--min-p", "1.5")]
    [InlineData("--top-k", "-2")]
    [InlineData("--repeat-penalty", "0")]
    [InlineData("--repeat-last-n", "-5")]
    [InlineData("--presence-penalty", "3")]
    [InlineData("--frequency-penalty", "-2.5")]
    [InlineData("--stop", "")]
    [InlineData("-n", "0")]
    public void RunAndChat_InvalidSamplingValue_ExitOneWithOneLineErrorNamingTheFlag(string flag, string value)
    {
        // The model path does not exist: the flag must be refused before anything is loaded.
        foreach (string command in new[] { "run", "chat" })
        {
            var r = CliRunner.Run(command, "--model", _dir.File("absent.gguf"), flag, value);
            Assert.Equal(1, r.ExitCode);
            Assert.Equal("", r.Stdout);
            string line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith($"meridian: error: {flag} ", line);
        }
    }

    [Fact]
    public void Chat_TakesTheSamplingFlags_SameSeedSameConversation()
    {
        string[] args = ["chat", "--model", _tiny, "--temp", "0.9", "--top-k", "10", "--top-p", "0.9", "--min-p", "0.01",
            "--repeat-penalty", "1.1", "--repeat-last-n", "16", "--presence-penalty", "0.2", "--frequency-penalty", "0.1",
            "--seed", "21", "-n", "12", "--ignore-eos", "--stop", "zzz"];
        var a = CliRunner.RunWithInput("hello\nmore\n", args);
        var b = CliRunner.RunWithInput("hello\nmore\n", args);
        Assert.True(a.ExitCode == 0, a.Stderr);
        Assert.Equal(a.Stdout, b.Stdout);
        Assert.Equal(3, a.Stdout.Split("> ").Length - 1);
    }

    private static string Ok(params string[] args)
    {
        var r = CliRunner.Run(args);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return r.Stdout;
    }

    [GeneratedRegex(@"^seed: (\d+) ", RegexOptions.Multiline)]
    private static partial Regex SeedLine();
}
