// Test helper: renders a template string with variables given as a JSON object and the golden clock.
// Expected strings in these tests are Jinja2 3.1.6's output under transformers' settings.
using System.Text.Json.Nodes;
using Meridian.Tokenizers.Templates;

namespace Meridian.Tokenizers.Tests.Templates;

internal static class Jinja
{
    /// <summary>2025-03-14 09:26:53, a Friday: the clock of the golden renders.</summary>
    public static readonly DateTimeOffset Clock = new(2025, 3, 14, 9, 26, 53, TimeSpan.Zero);

    public static string Render(string template, string? jsonVariables = null, ChatTemplateOptions? options = null) =>
        ChatTemplate.Parse(template, "test").Render(Variables(jsonVariables), options ?? new ChatTemplateOptions { Now = Clock });

    public static Dictionary<string, object?> Variables(string? json)
    {
        var variables = new Dictionary<string, object?>();
        if (json is not null)
            foreach (var (key, value) in JsonNode.Parse(json)!.AsObject())
                variables[key] = value?.DeepClone();
        return variables;
    }
}
