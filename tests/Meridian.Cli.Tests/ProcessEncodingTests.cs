// The real `meridian` process writes UTF-8 to stdout and reads UTF-8 from stdin whatever the locale's
// charset: "byte for byte" means the UTF-8 bytes of the golden render and of the tokenized text.
using System.Text;
using Meridian.Cli.Tests.Template;
using Meridian.Cli.Tests.Tokenize;
using Meridian.Tests.Shared;

namespace Meridian.Cli.Tests;

public sealed class ProcessEncodingTests
{
    [SkippableFact]
    public void TemplateProcess_Latin1Locale_StdoutIsTheGoldenUtf8Bytes()
    {
        // s10: emoji with ZWJ, CJK, RTL, combining marks, astral letters - nothing Latin-1 can hold.
        const string template = "qwen3", scenario = "s10_unicode_and_jinja_text";
        byte[] expected = File.ReadAllBytes(GoldenChatTemplates.Expected($"expected/{template}__{scenario}.txt"));
        using var dir = new TempDir();
        string context = GoldenChatTemplates.Write(dir, GoldenChatTemplates.Context(template, scenario));

        var r = CliProcess.Run(["template", "--template", GoldenChatTemplates.TemplatePath(template), "--context", context,
            "--now", GoldenChatTemplates.FixedClock], CliProcess.Latin1Locale);

        Assert.True(r.ExitCode == 0, Encoding.UTF8.GetString(r.Stderr));
        Assert.Equal(expected, r.Stdout);
    }

    [SkippableFact]
    public void TokenizeProcess_StdinUnderLatin1Locale_TokenizesTheUtf8Text()
    {
        string gguf = TestData.Require("vocab/ggml-vocab-gpt-2.gguf");
        const string text = "Führer 🦙 中文\n";
        int[] ids = LlamaCppTokenizer.Tokenize(gguf, text, addSpecial: false, parseSpecial: false);

        var r = CliProcess.Run(["tokenize", "--model", gguf, "--file", "-"], CliProcess.Latin1Locale, Encoding.UTF8.GetBytes(text));

        Assert.True(r.ExitCode == 0, Encoding.UTF8.GetString(r.Stderr));
        Assert.Equal(string.Join(' ', ids) + "\n", Encoding.UTF8.GetString(r.Stdout));
    }

    [SkippableFact]
    public void TokenizeProcess_StdinNotUtf8_OneErrorLine()
    {
        string gguf = TestData.Require("vocab/ggml-vocab-gpt-2.gguf");

        var r = CliProcess.Run(["tokenize", "--model", gguf, "--file", "-"], stdin: [(byte)'F', 0xFC, (byte)'r']);

        Assert.Equal(1, r.ExitCode);
        Assert.Empty(r.Stdout);
        string stderr = Encoding.UTF8.GetString(r.Stderr);
        Assert.StartsWith("meridian: error: ", stderr);
        Assert.Contains("not valid UTF-8", stderr);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
