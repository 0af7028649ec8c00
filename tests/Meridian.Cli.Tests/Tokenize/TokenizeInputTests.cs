// How `meridian tokenize` takes its text: the argument or the file's bytes exactly, checked against
// llama.cpp's tokenizer on the same string (llama-tokenize --file also tokenizes the file's raw bytes).
using System.Text;
using Meridian.Tests.Shared;

namespace Meridian.Cli.Tests.Tokenize;

public sealed class TokenizeInputTests
{
    private const string Gpt2 = "vocab/ggml-vocab-gpt-2.gguf";

    [SkippableTheory]
    [InlineData("@everyone hi")]
    [InlineData("@")]
    [InlineData("-5 degrees")]
    public void Tokenize_TextThatLooksLikeCommandLineSyntax_IsTokenizedAsText(string text)
    {
        string gguf = TestData.Require(Gpt2);
        int[] expected = LlamaCppTokenizer.Tokenize(gguf, text, addSpecial: false, parseSpecial: false);

        var r = CliRunner.Run("tokenize", "--model", gguf, "--text", text);

        Assert.Equal("", r.Stderr);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(string.Join(' ', expected) + Environment.NewLine, r.Stdout);
    }

    [SkippableFact]
    public void Tokenize_FileWithUtf8Bom_TokenizesTheBomAsLlamaCppDoes()
    {
        string gguf = TestData.Require(Gpt2);
        using var dir = new TempDir();
        string file = dir.File("bom.txt");
        File.WriteAllBytes(file, [0xEF, 0xBB, 0xBF, .. "Hi there"u8]);
        int[] expected = LlamaCppTokenizer.Tokenize(gguf, "\uFEFFHi there", addSpecial: false, parseSpecial: false);
        // Sanity: the BOM is tokens of its own, so dropping it would show.
        Assert.NotEqual(expected, LlamaCppTokenizer.Tokenize(gguf, "Hi there", addSpecial: false, parseSpecial: false));

        var r = CliRunner.Run("tokenize", "--model", gguf, "--file", file);

        Assert.Equal(0, r.ExitCode);
        Assert.Equal(string.Join(' ', expected) + Environment.NewLine, r.Stdout);
    }

    [SkippableFact]
    public void Tokenize_FileWithCrLfAndNoFinalNewline_TokenizesTheBytesAsIs()
    {
        string gguf = TestData.Require(Gpt2);
        using var dir = new TempDir();
        string file = dir.File("crlf.txt");
        const string text = "line one\r\nline two\r\n\r\nend";
        File.WriteAllBytes(file, Encoding.UTF8.GetBytes(text));
        int[] expected = LlamaCppTokenizer.Tokenize(gguf, text, addSpecial: false, parseSpecial: false);

        var r = CliRunner.Run("tokenize", "--model", gguf, "--file", file);

        Assert.Equal(0, r.ExitCode);
        Assert.Equal(string.Join(' ', expected) + Environment.NewLine, r.Stdout);
    }
}
