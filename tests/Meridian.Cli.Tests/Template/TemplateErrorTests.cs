// `meridian template` on bad input: exit 1, nothing on stdout, one error line naming the problem,
// never a stack trace or an internal error. Also what "nothing appended" means for tiny templates
// (Jinja2 with keep_trailing_newline=False drops exactly one final newline of the template).
using System.Text;
using Meridian.Tests.Shared;

namespace Meridian.Cli.Tests.Template;

public sealed class TemplateErrorTests
{
    [Theory]
    [InlineData("abc", "abc")]
    [InlineData("", "")]
    [InlineData("abc\n", "abc")]
    [InlineData("abc\n\n", "abc\n")]
    [InlineData("{{ x }}|{{ messages | length }}", "1.5|2")]
    public void Template_TinyTemplate_StdoutIsTheRenderWithNothingAppended(string template, string expected)
    {
        using var dir = new TempDir();
        string t = Write(dir, "t.jinja", template);
        string c = Write(dir, "c.json", """{"x": 1.5, "messages": [{"role": "user"}, {"role": "assistant"}]}""");

        var r = CliRunner.Run("template", "--template", t, "--context", c);

        Assert.Equal("", r.Stderr);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(expected, r.Stdout);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public void Template_BothOrNeitherOfModelAndTemplate_OneErrorLineNamingBoth(bool model, bool template)
    {
        using var dir = new TempDir();
        string t = Write(dir, "t.jinja", "hi");
        string c = Write(dir, "c.json", "{}");
        var args = new List<string> { "template", "--context", c };
        if (model) args.AddRange(["--model", t]);
        if (template) args.AddRange(["--template", t]);

        string line = CliAssert.OneErrorLine(CliRunner.Run([.. args]));

        Assert.Contains("--model", line);
        Assert.Contains("--template", line);
    }

    public static TheoryData<string, byte[]> BadContexts => new()
    {
        { "array", "[1, 2]"u8.ToArray() },
        { "string", "\"messages\""u8.ToArray() },
        { "null", "null"u8.ToArray() },
        { "truncated", "{\"messages\": ["u8.ToArray() },
        { "empty file", [] },
        { "trailing comment", "{\"a\": 1} // note"u8.ToArray() },
        { "single quotes", "{'a': 1}"u8.ToArray() },
        { "duplicate key", "{\"a\": 1, \"a\": 2}"u8.ToArray() },
        { "invalid UTF-8 in a string", [.. "{\"a\": \""u8, 0xFF, .. "\"}"u8] },
        { "UTF-16 with BOM", [0xFF, 0xFE, (byte)'{', 0, (byte)'}', 0] },
        { "nested 300 deep", Encoding.UTF8.GetBytes("{\"a\": " + new string('[', 300) + new string(']', 300) + "}") },
    };

    [Theory]
    [MemberData(nameof(BadContexts))]
    public void Template_BadContext_OneErrorLineNamingTheFile(string what, byte[] bytes)
    {
        using var dir = new TempDir();
        string t = Write(dir, "t.jinja", "{{ a }}");
        string c = dir.File("context.json");
        File.WriteAllBytes(c, bytes);

        var r = CliRunner.Run("template", "--template", t, "--context", c);

        string line = CliAssert.OneErrorLine(r);
        Assert.True(line.Contains(c), $"{what}: {line}");
    }

    [Fact]
    public void Template_ContextWithUtf8Bom_IsRead()
    {
        using var dir = new TempDir();
        string t = Write(dir, "t.jinja", "{{ a }}");
        string c = dir.File("context.json");
        File.WriteAllBytes(c, [0xEF, 0xBB, 0xBF, .. "{\"a\": \"ok\"}"u8]);

        var r = CliRunner.Run("template", "--template", t, "--context", c);

        Assert.Equal(0, r.ExitCode);
        Assert.Equal("ok", r.Stdout);
    }

    [Fact]
    public void Template_MissingContextFile_OneErrorLineNamingIt()
    {
        using var dir = new TempDir();
        string t = Write(dir, "t.jinja", "hi");
        string c = dir.File("absent.json");

        Assert.Contains(c, CliAssert.OneErrorLine(CliRunner.Run("template", "--template", t, "--context", c)));
    }

    [Fact]
    public void Template_NoContextOption_FailsWithUsageErrorNamingContext()
    {
        using var dir = new TempDir();
        var r = CliRunner.Run("template", "--template", Write(dir, "t.jinja", "hi"));

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("--context", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr + r.Stdout);
    }

    [Fact]
    public void Template_MissingTemplateFile_OneErrorLineNamingIt()
    {
        using var dir = new TempDir();
        string t = dir.File("absent.jinja");

        Assert.Contains(t, CliAssert.OneErrorLine(CliRunner.Run("template", "--template", t, "--context", Write(dir, "c.json", "{}"))));
    }

    [Fact]
    public void Template_NonUtf8TemplateFile_OneErrorLineNamingIt()
    {
        using var dir = new TempDir();
        string t = dir.File("latin1.jinja");
        File.WriteAllBytes(t, [(byte)'F', 0xFC, (byte)'r']);

        string line = CliAssert.OneErrorLine(CliRunner.Run("template", "--template", t, "--context", Write(dir, "c.json", "{}")));

        Assert.Contains(t, line);
        Assert.Contains("not valid UTF-8", line);
    }

    [Theory]
    [InlineData("a\n{% if %}b{% endif %}", 2)]
    [InlineData("{% for m in messages %}{{ m.content", 1)]
    [InlineData("line 1\nline 2\n{{ 1 + none }}", 3)]
    public void Template_SyntaxOrRenderError_OneErrorLineNamingTemplateAndLine(string template, int line)
    {
        using var dir = new TempDir();
        string t = Write(dir, "broken.jinja", template);

        string error = CliAssert.OneErrorLine(CliRunner.Run("template", "--template", t, "--context", Write(dir, "c.json", """{"messages": []}""")));

        Assert.Contains("broken.jinja", error);
        Assert.Contains($"line {line}", error);
    }

    [Fact]
    public void Template_RaiseExceptionWithNewline_OneLineWithTheMessage()
    {
        using var dir = new TempDir();
        string t = Write(dir, "raise.jinja", "before{{ raise_exception('bad\\nthing') }}");

        string line = CliAssert.OneErrorLine(CliRunner.Run("template", "--template", t, "--context", Write(dir, "c.json", "{}")), "meridian: template error: ");

        Assert.Equal("meridian: template error: bad thing", line);
    }

    private static string Write(TempDir dir, string name, string text)
    {
        string path = dir.File(name);
        File.WriteAllBytes(path, Encoding.UTF8.GetBytes(text));
        return path;
    }
}
