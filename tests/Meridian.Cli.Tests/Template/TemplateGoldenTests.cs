// `meridian template --template T.jinja --context C.json --now <the goldens' clock>` on a slice of the
// golden set (every template x s01 single user, s07 tool round trip, s10 unicode and Jinja-looking text,
// s15 extra kwargs, plus every error case of mistral-7b-instruct-v0.1): stdout must be the Jinja2 render
// byte for byte with nothing appended; raise_exception exits 1 with exactly its message on stderr, and
// an engine error exits 1. The library's ChatTemplateGoldenTests cover all 219 renders.
using System.Text;
using Meridian.Tests.Shared;

namespace Meridian.Cli.Tests.Template;

public sealed class TemplateGoldenTests
{
    private static readonly string[] Scenarios = ["s01_single_user", "s07_tool_call_roundtrip", "s10_unicode_and_jinja_text", "s15_template_kwargs"];
    private const string ErrorTemplate = "mistral-7b-instruct-v0.1";

    public static TheoryData<string, string> Slice()
    {
        var data = new TheoryData<string, string>();
        foreach (var e in GoldenChatTemplates.ManifestEntries())
        {
            string template = (string)e["template"]!, scenario = (string)e["scenario"]!, status = (string)e["status"]!;
            if (Scenarios.Contains(scenario) || (template == ErrorTemplate && status == "error"))
                data.Add(template, scenario);
        }
        if (data.Count == 0)
            data.Add("(testdata absent)", "(none)");
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(Slice))]
    public void Template_GoldenScenario_PrintsTheJinja2RenderOrItsError(string template, string scenario)
    {
        var entry = GoldenChatTemplates.Entry(template, scenario);
        string status = (string)entry["status"]!;
        Assert.True(status is "ok" or "error", $"{template} x {scenario}: the slice holds no disagreements, got {status}");
        string expectedPath = GoldenChatTemplates.Expected((string)entry["expected"]!);
        using var dir = new TempDir();
        string context = GoldenChatTemplates.Write(dir, GoldenChatTemplates.Context(template, scenario));

        var r = CliRunner.Run("template", "--template", GoldenChatTemplates.TemplatePath(template),
            "--context", context, "--now", GoldenChatTemplates.FixedClock);

        if (status == "ok")
        {
            Assert.Equal("", r.Stderr);
            Assert.Equal(0, r.ExitCode);
            byte[] expected = File.ReadAllBytes(expectedPath);
            Assert.Equal(new UTF8Encoding(false, true).GetString(expected), r.Stdout);
            Assert.Equal(expected, Encoding.UTF8.GetBytes(r.Stdout));
        }
        else if ((string)entry["error_kind"]! == "raise_exception")
        {
            string message = File.ReadAllText(expectedPath);
            string line = CliAssert.OneErrorLine(r, "meridian: template error: ");
            Assert.Equal("meridian: template error: " + message, line);
        }
        else
        {
            Assert.Equal("engine_error", (string)entry["error_kind"]!);
            string line = CliAssert.OneErrorLine(r);
            Assert.Contains(template + ".jinja", line);
        }
    }
}
