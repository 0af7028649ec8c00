// Seeded fuzzing of the template engine on the real templates in ../shared/testdata/chat-templates:
// mutated template text, and mutated message lists, may render or fail, but only with a
// TemplateException - never another exception type, a hang or a crash.
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Meridian.Tests.Shared;
using Meridian.Tokenizers.Templates;
using Xunit.Abstractions;

namespace Meridian.Tokenizers.Tests.Templates;

public sealed class ChatTemplateFuzzTests(ITestOutputHelper output)
{
    private const int Seed = 20250314;
    private const int CasesPerTemplate = 300;
    private const int ContextCases = 300;
    private static readonly TimeSpan SlowCase = TimeSpan.FromSeconds(5);

    // Pieces of Jinja syntax inserted at random: tag delimiters, whitespace modifiers, operators, keywords.
    private static readonly string[] Snippets =
    [
        "{{", "}}", "{%", "%}", "{#", "#}", "-", "+", "(", ")", "[", "]", "'", "\"", "|", ".", ",", ":", "=", " if ",
        " else ", " not ", " in ", "endfor", "endif", "loop", "none", "[::-1]", "|tojson", "\\", "{% endif %}",
        "{% for x in y %}", "*", "**", "~", "{% raw %}", "%", "0x", "1e", "_", "\n",
    ];

    private static readonly string[] Keys = ["role", "content", "type", "text", "function", "name", "arguments", "tool_calls", "reasoning_content", "id"];
    private static readonly string[] Strings = ["", "user", "assistant", "system", "tool", "</think>x", " \u00a0 ", "{{ x }}", "call1ABCD"];

    [SkippableFact]
    public void Render_MutatedRealTemplates_OnlyTemplateExceptionsEscape()
    {
        string dir = TestData.Require("chat-templates");
        var rng = new Random(Seed);
        var context = ScenarioContext(dir, "s09_parallel_tool_calls");
        int rendered = 0, failed = 0;
        foreach (string file in Directory.GetFiles(Path.Combine(dir, "templates"), "*.jinja").Order(StringComparer.Ordinal))
        {
            string source = File.ReadAllText(file);
            for (int i = 0; i < CasesPerTemplate; i++)
            {
                string mutated = MutateText(source, rng);
                if (RenderOrFail(() => ChatTemplate.Parse(mutated).Render(context, Options), $"{Path.GetFileName(file)} case {i}")) rendered++;
                else failed++;
            }
        }
        output.WriteLine($"seed {Seed}: {rendered} rendered, {failed} raised TemplateException");
    }

    [SkippableFact]
    public void Render_MutatedMessages_OnlyTemplateExceptionsEscape()
    {
        string dir = TestData.Require("chat-templates");
        var rng = new Random(Seed);
        var templates = Directory.GetFiles(Path.Combine(dir, "templates"), "*.jinja").Order(StringComparer.Ordinal)
            .Select(f => ChatTemplate.Parse(File.ReadAllText(f), Path.GetFileName(f))).ToList();
        var scenarios = Directory.GetFiles(Path.Combine(dir, "scenarios"), "*.json").Order(StringComparer.Ordinal)
            .Select(f => JsonNode.Parse(File.ReadAllText(f))!).ToList();
        int rendered = 0, failed = 0;
        for (int i = 0; i < ContextCases; i++)
        {
            var scenario = scenarios[rng.Next(scenarios.Count)];
            var messages = scenario["messages"]!.DeepClone();
            for (int k = 0, n = 1 + rng.Next(3); k < n; k++) Mutate(messages, rng);
            var context = ChatTemplateContext.Create(messages, rng.Next(2) == 0 ? scenario["tools"]?.DeepClone() : RandomValue(rng, 0),
                rng.Next(2) == 0, new ChatTemplateSpecialTokens("<s>", "</s>"), scenario["extra_context"]?.DeepClone().AsObject());
            foreach (var template in templates)
            {
                if (RenderOrFail(() => template.Render(context, Options), $"{template.Name} context case {i}: {messages.ToJsonString()}")) rendered++;
                else failed++;
            }
        }
        output.WriteLine($"seed {Seed}: {rendered} rendered, {failed} raised TemplateException");
    }

    private static ChatTemplateOptions Options => new() { Now = Jinja.Clock, MaxSteps = 200_000 };

    /// <summary>True when it rendered, false on TemplateException; anything else fails the test.</summary>
    private static bool RenderOrFail(Action render, string what)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            render();
            return true;
        }
        catch (TemplateException)
        {
            return false;
        }
        catch (Exception e)
        {
            Assert.Fail($"{what}: {e.GetType().Name} escaped: {e.Message}");
            return false;
        }
        finally
        {
            Assert.True(watch.Elapsed < SlowCase, $"{what} took {watch.Elapsed}");
        }
    }

    private static Dictionary<string, object?> ScenarioContext(string dir, string scenario)
    {
        var s = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "scenarios", scenario + ".json")))!;
        return ChatTemplateContext.Create(s["messages"]!.DeepClone(), s["tools"]?.DeepClone(), true, new ChatTemplateSpecialTokens("<s>", "</s>", "<unk>", "<pad>"));
    }

    private static string MutateText(string source, Random rng)
    {
        var text = new StringBuilder(source);
        for (int e = 0, edits = 1 + rng.Next(4); e < edits; e++)
        {
            int pos = rng.Next(text.Length + 1);
            switch (rng.Next(3))
            {
                case 0: // delete a short run
                    if (pos < text.Length) text.Remove(pos, Math.Min(1 + rng.Next(8), text.Length - pos));
                    break;
                case 1: // insert a piece of syntax
                    text.Insert(pos, Snippets[rng.Next(Snippets.Length)]);
                    break;
                default: // copy a run elsewhere
                    if (pos < text.Length)
                    {
                        string run = text.ToString(pos, Math.Min(1 + rng.Next(30), text.Length - pos));
                        text.Insert(rng.Next(text.Length), run);
                    }
                    break;
            }
        }
        return text.ToString();
    }

    private static JsonNode? RandomValue(Random rng, int depth) => rng.Next(depth > 2 ? 6 : 8) switch
    {
        0 => null,
        1 => JsonValue.Create(rng.Next(-5, 5)),
        2 => JsonValue.Create(rng.NextDouble() * 10),
        3 => JsonValue.Create(rng.Next(2) == 0),
        4 or 5 => JsonValue.Create(Strings[rng.Next(Strings.Length)]),
        6 => new JsonArray(Enumerable.Range(0, rng.Next(3)).Select(_ => RandomValue(rng, depth + 1)).ToArray()),
        _ => new JsonObject(Enumerable.Range(0, rng.Next(3))
            .Select(i => KeyValuePair.Create(Keys[rng.Next(Keys.Length)] + (i > 0 ? "_" + i : ""), RandomValue(rng, depth + 1)))),
    };

    private static void Mutate(JsonNode node, Random rng)
    {
        if (node is JsonObject obj && obj.Count > 0)
        {
            string key = obj.ElementAt(rng.Next(obj.Count)).Key;
            if (rng.Next(3) == 0 && obj[key] is JsonNode child) Mutate(child, rng);
            else if (rng.Next(4) == 0) obj.Remove(key);
            else obj[key] = RandomValue(rng, 0);
        }
        else if (node is JsonArray array && array.Count > 0)
        {
            int i = rng.Next(array.Count);
            if (rng.Next(2) == 0 && array[i] is JsonNode child) Mutate(child, rng);
            else array[i] = RandomValue(rng, 0);
        }
    }
}
