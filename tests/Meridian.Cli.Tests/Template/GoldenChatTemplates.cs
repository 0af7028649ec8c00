// The golden chat-template set in ../shared/testdata/chat-templates (rendered by Jinja2 3.1.6 under
// transformers' settings and by @huggingface/jinja): its manifest, and the context file for a template x
// scenario built exactly as its README says.
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Meridian.Tests.Shared;

namespace Meridian.Cli.Tests.Template;

internal static class GoldenChatTemplates
{
    public const string Folder = "chat-templates";

    /// <summary>The golden's fixed clock, as `--now` takes it.</summary>
    public const string FixedClock = "2025-03-14T09:26:53";

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The manifest's render entries, or none when testdata is absent (the theory then gets a skipping row).</summary>
    public static IReadOnlyList<JsonNode> ManifestEntries()
    {
        string? root = TestData.RootOrNull;
        string manifest = root is null ? "" : Path.Combine(root, Folder, "manifest.json");
        if (!File.Exists(manifest))
            return [];
        return JsonNode.Parse(File.ReadAllText(manifest))!["renders"]!.AsArray().Select(e => e!).ToList();
    }

    public static JsonNode Entry(string template, string scenario) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(TestData.Require(Folder), "manifest.json")))!["renders"]!.AsArray()
            .Single(e => (string)e!["template"]! == template && (string)e["scenario"]! == scenario)!;

    public static string TemplatePath(string template) => TestData.Require($"{Folder}/templates/{template}.jinja");

    public static string Expected(string relative) => TestData.Require($"{Folder}/{relative}");

    /// <summary>
    /// The README's recipe, later entries winning: messages, tools (null when the scenario has none), documents
    /// null, add_generation_prompt, the template's non-null special tokens (index.json) unless
    /// <paramref name="withSpecialTokens"/> is false, then every key of extra_context.
    /// </summary>
    public static JsonObject Context(string template, string scenario, bool withSpecialTokens = true)
    {
        string dir = TestData.Require(Folder);
        var s = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "scenarios", scenario + ".json")))!;
        var context = new JsonObject
        {
            ["messages"] = s["messages"]!.DeepClone(),
            ["tools"] = s["tools"]?.DeepClone(),
            ["documents"] = null,
            ["add_generation_prompt"] = (bool)s["add_generation_prompt"]!,
        };
        if (withSpecialTokens)
        {
            var tokens = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "templates", "index.json")))!.AsArray()
                .Single(t => (string)t!["name"]! == template)!["special_tokens"]!.AsObject();
            foreach (string name in new[] { "bos_token", "eos_token", "unk_token", "pad_token" })
                if (tokens[name] is JsonNode value)
                    context[name] = value.DeepClone();
        }
        if (s["extra_context"] is JsonObject extra)
            foreach (var (key, value) in extra)
                context[key] = value?.DeepClone();
        return context;
    }

    /// <summary>Writes <paramref name="context"/> as UTF-8 JSON (non-ASCII unescaped, as a person would write it).</summary>
    public static string Write(TempDir dir, JsonObject context, string name = "context.json")
    {
        string path = dir.File(name);
        File.WriteAllText(path, context.ToJsonString(Relaxed));
        return path;
    }
}
