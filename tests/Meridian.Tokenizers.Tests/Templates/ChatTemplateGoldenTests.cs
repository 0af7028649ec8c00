// Every golden render in ../shared/testdata/chat-templates (13 real templates x 18 scenarios, rendered by
// Jinja2 3.1.6 under transformers' settings and by @huggingface/jinja): the context is built as that
// README says, and the output must match byte for byte; expected errors must be raised.
using System.Text;
using System.Text.Json.Nodes;
using Meridian.Tests.Shared;
using Meridian.Tokenizers.Templates;

namespace Meridian.Tokenizers.Tests.Templates;

public sealed class ChatTemplateGoldenTests
{
    private const string Folder = "chat-templates";

    /// <summary>The fixed clock of the goldens: strftime_now("%d %b %Y") is "14 Mar 2025".</summary>
    private static readonly DateTimeOffset FixedClock = new(2025, 3, 14, 9, 26, 53, TimeSpan.Zero);

    public static TheoryData<string, string> Renders()
    {
        var data = new TheoryData<string, string>();
        string? root = TestData.RootOrNull;
        string manifest = root is null ? "" : Path.Combine(root, Folder, "manifest.json");
        if (!File.Exists(manifest))
        {
            data.Add("(testdata absent)", "(none)");
            return data;
        }
        foreach (var entry in JsonNode.Parse(File.ReadAllText(manifest))!["renders"]!.AsArray())
            data.Add((string)entry!["template"]!, (string)entry["scenario"]!);
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(Renders))]
    public void Render_GoldenScenario_MatchesJinja2(string template, string scenario)
    {
        string dir = TestData.Require(Folder);
        var entry = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "manifest.json")))!["renders"]!.AsArray()
            .Single(e => (string)e!["template"]! == template && (string)e["scenario"]! == scenario)!;
        string status = (string)entry["status"]!;
        // Disagreements between the two reference engines: follow Jinja2, which is what transformers runs.
        string expectedPath = Path.Combine(dir, status == "disagreement" ? (string)entry["files"]!["jinja2"]! : (string)entry["expected"]!);
        bool expectError = expectedPath.EndsWith(".error.txt", StringComparison.Ordinal);

        var chatTemplate = ChatTemplate.Parse(ReadUtf8(Path.Combine(dir, "templates", template + ".jinja")), template);
        var context = BuildContext(dir, template, scenario);
        var options = new ChatTemplateOptions { Now = FixedClock };

        if (!expectError)
        {
            string expected = ReadUtf8(expectedPath);
            string actual = chatTemplate.Render(context, options);
            Assert.Equal(expected, actual);
            Assert.Equal(File.ReadAllBytes(expectedPath), Encoding.UTF8.GetBytes(actual));
            return;
        }

        string errorFile = ReadUtf8(expectedPath);
        string kind = status == "disagreement" ? KindFromFile(errorFile) : (string)entry["error_kind"]!;
        if (kind == "raise_exception")
        {
            var raised = Assert.Throws<TemplateRaiseException>(() => chatTemplate.Render(context, options));
            Assert.Equal(errorFile, raised.Message);
        }
        else
        {
            Assert.Equal("engine_error", kind);
            var error = Assert.Throws<TemplateException>(() => chatTemplate.Render(context, options));
            Assert.True(error.Line > 0, "an engine error names the template line");
        }
    }

    /// <summary>messages, tools (null when absent), documents null, add_generation_prompt, the template's
    /// non-null special tokens, then extra_context - the README's recipe.</summary>
    private static Dictionary<string, object?> BuildContext(string dir, string template, string scenario)
    {
        var s = JsonNode.Parse(ReadUtf8(Path.Combine(dir, "scenarios", scenario + ".json")))!;
        var tokens = JsonNode.Parse(ReadUtf8(Path.Combine(dir, "templates", "index.json")))!.AsArray()
            .Single(t => (string)t!["name"]! == template)!["special_tokens"]!;
        var special = new ChatTemplateSpecialTokens(
            (string?)tokens["bos_token"], (string?)tokens["eos_token"], (string?)tokens["unk_token"], (string?)tokens["pad_token"]);
        return ChatTemplateContext.Create(
            s["messages"]!.DeepClone(),
            s["tools"]?.DeepClone(),
            (bool)s["add_generation_prompt"]!,
            special,
            s["extra_context"]?.DeepClone().AsObject());
    }

    private static string KindFromFile(string errorFile) => errorFile.StartsWith("engine_error", StringComparison.Ordinal) ? "engine_error" : "raise_exception";

    private static string ReadUtf8(string path) => new UTF8Encoding(false, true).GetString(File.ReadAllBytes(path));
}
