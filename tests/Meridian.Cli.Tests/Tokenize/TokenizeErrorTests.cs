// `meridian tokenize` on bad input: exit 1, nothing on stdout, one `meridian: error:` line naming the
// problem, never a stack trace. The bad GGUF is written here with the project's own GgufWriter.
using Meridian.Formats.Gguf;
using Meridian.Tests.Shared;

namespace Meridian.Cli.Tests.Tokenize;

public sealed class TokenizeErrorTests
{
    [Fact]
    public void Tokenize_MissingModelFile_OneErrorLineNamingIt()
    {
        using var dir = new TempDir();
        string model = dir.File("no-such-model.gguf");

        string line = CliAssert.OneErrorLine(CliRunner.Run("tokenize", "--model", model, "--text", "hi"));

        Assert.Contains(model, line);
    }

    [Fact]
    public void Tokenize_NoModelOption_FailsWithUsageErrorNamingModel()
    {
        var r = CliRunner.Run("tokenize", "--text", "hi");

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("--model", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr + r.Stdout);
    }

    [SkippableTheory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public void Tokenize_BothOrNeitherOfTextAndFile_OneErrorLineNamingBoth(bool text, bool file)
    {
        string model = TestData.Require("stories260k/tok512.bin");
        using var dir = new TempDir();
        File.WriteAllText(dir.File("in.txt"), "hi");
        var args = new List<string> { "tokenize", "--model", model };
        if (text) args.AddRange(["--text", "hi"]);
        if (file) args.AddRange(["--file", dir.File("in.txt")]);

        string line = CliAssert.OneErrorLine(CliRunner.Run([.. args]));

        Assert.Contains("--text", line);
        Assert.Contains("--file", line);
    }

    [SkippableFact]
    public void Tokenize_MissingTextFile_OneErrorLineNamingIt()
    {
        string model = TestData.Require("stories260k/tok512.bin");
        using var dir = new TempDir();
        string file = dir.File("absent.txt");

        string line = CliAssert.OneErrorLine(CliRunner.Run("tokenize", "--model", model, "--file", file));

        Assert.Contains(file, line);
    }

    public static TheoryData<string, byte[]> NonUtf8Files => new()
    {
        { "lone 0xFF", [(byte)'H', 0xFF, (byte)'i'] },
        { "Latin-1 Führer", [(byte)'F', 0xFC, (byte)'h', (byte)'r', (byte)'e', (byte)'r'] },
        { "truncated euro sign", [(byte)'a', 0xE2, 0x82] },
        { "UTF-16LE with BOM", [0xFF, 0xFE, (byte)'H', 0, (byte)'i', 0] },
        { "UTF-16BE with BOM", [0xFE, 0xFF, 0, (byte)'H', 0, (byte)'i'] },
    };

    [SkippableTheory]
    [MemberData(nameof(NonUtf8Files))]
    public void Tokenize_NonUtf8File_OneErrorLineSayingSo(string what, byte[] bytes)
    {
        string model = TestData.Require("stories260k/tok512.bin");
        using var dir = new TempDir();
        string file = dir.File("text.txt");
        File.WriteAllBytes(file, bytes);

        string line = CliAssert.OneErrorLine(CliRunner.Run("tokenize", "--model", model, "--file", file));

        Assert.True(line.Contains(file) && line.Contains("not valid UTF-8"), $"{what}: {line}");
    }

    [Fact]
    public void Tokenize_GgufWithUnknownPre_OneErrorLineNamingThePreTokenizer()
    {
        using var dir = new TempDir();
        string gguf = dir.File("unknown-pre.gguf");
        new GgufWriter()
            .Add("general.architecture", "llama")
            .Add("tokenizer.ggml.model", "gpt2")
            .Add("tokenizer.ggml.pre", "no-such-pre")
            .Add("tokenizer.ggml.tokens", ["a", "b", "ab"])
            .Add("tokenizer.ggml.merges", ["a b"])
            .Write(gguf);

        string line = CliAssert.OneErrorLine(CliRunner.Run("tokenize", "--model", gguf, "--text", "ab"));

        Assert.Contains("'no-such-pre'", line);
        Assert.Contains("tokenizer.ggml.pre", line);
        Assert.Contains(gguf, line);
    }
}
