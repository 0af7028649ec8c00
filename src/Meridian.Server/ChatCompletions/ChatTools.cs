// OpenAI tool calling on chat completions: `tools`, `tool_choice` and `parallel_tool_calls` checked (each fault a 400
// naming its field) and turned into the engine's ToolPlan, which shows the tools through the chat template, enforces
// "required" and named choices with a grammar, and reads the reply in the template's format.
using System.Text.Json;
using System.Text.Json.Nodes;
using Meridian.Engine.Serving;
using Meridian.Engine.Tools;
using Meridian.Grammar;
using Meridian.Server.Common;
using Meridian.Server.Errors;

namespace Meridian.Server.ChatCompletions;

internal static class ChatTools
{
    /// <summary>The plan of a request, or null when it has no tools or tool_choice is "none" (a plain chat).</summary>
    public static ToolPlan? Parse(JsonElement? tools, JsonElement? toolChoice, bool? parallel, EngineModelInfo model)
    {
        if (RequestJson.IsNull(tools) || (tools!.Value.ValueKind == JsonValueKind.Array && tools.Value.GetArrayLength() == 0))
        {
            if (!RequestJson.IsNull(toolChoice) && !(toolChoice!.Value.ValueKind == JsonValueKind.String && toolChoice.Value.ValueEquals("none")))
                throw ApiException.Invalid("tool_choice", "'tool_choice' needs 'tools'.");
            return null;
        }
        var list = ReadTools(tools.Value);
        var mode = ToolChoiceMode.Auto;
        string? named = null;
        if (!RequestJson.IsNull(toolChoice))
        {
            var c = toolChoice!.Value;
            if (c.ValueKind == JsonValueKind.String && c.GetString() is "none" or "auto" or "required")
            {
                if (c.ValueEquals("none"))
                    return null;
                mode = c.ValueEquals("required") ? ToolChoiceMode.Required : ToolChoiceMode.Auto;
            }
            else if (c.ValueKind == JsonValueKind.Object && c.TryGetProperty("function", out var f) && f.ValueKind == JsonValueKind.Object
                && f.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String)
            {
                named = n.GetString()!;
                if (!list.Any(t => t!["function"]!["name"]!.GetValue<string>() == named))
                    throw ApiException.Invalid("tool_choice.function.name", $"'tool_choice' names '{named}', which is not one of the tools.");
                mode = ToolChoiceMode.Named;
            }
            else
                throw ApiException.Invalid("tool_choice", "'tool_choice' must be \"none\", \"auto\", \"required\" or {\"type\": \"function\", \"function\": {\"name\": ...}}.");
        }
        try
        {
            return ToolPlan.Create(model, list, mode, named, parallel ?? true);
        }
        catch (GrammarException e)
        {
            throw ApiException.Invalid("tools", $"A tool's parameters cannot be enforced for tool_choice \"{named ?? mode.ToString().ToLowerInvariant()}\": {e.Message}.");
        }
    }

    // Each tool: {"type": "function", "function": {"name", "description"?, "parameters"?, "strict"?}}, names unique.
    private static JsonArray ReadTools(JsonElement tools)
    {
        if (tools.ValueKind != JsonValueKind.Array)
            throw ApiException.Invalid("tools", $"'tools' must be an array, got {RequestJson.Describe(tools.ValueKind)}.");
        var list = new JsonArray();
        var names = new HashSet<string>(StringComparer.Ordinal);
        int i = 0;
        foreach (var t in tools.EnumerateArray())
        {
            string at = $"tools[{i++}]";
            if (t.ValueKind != JsonValueKind.Object || !t.TryGetProperty("type", out var type) || !type.ValueEquals("function"))
                throw ApiException.Invalid($"{at}.type", $"'{at}' must be {{\"type\": \"function\", \"function\": {{...}}}}.");
            if (!t.TryGetProperty("function", out var f) || f.ValueKind != JsonValueKind.Object)
                throw ApiException.Invalid($"{at}.function", $"'{at}.function' is missing or not an object.");
            if (!f.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String
                || name.GetString() is not { Length: >= 1 and <= 64 } n || !n.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
                throw ApiException.Invalid($"{at}.function.name", $"'{at}.function.name' must be 1 to 64 characters a-z, A-Z, 0-9, '_' or '-'.");
            if (!names.Add(n))
                throw ApiException.Invalid($"{at}.function.name", $"Two tools are named '{n}'.");
            if (f.TryGetProperty("parameters", out var parameters) && parameters.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
                throw ApiException.Invalid($"{at}.function.parameters", $"'{at}.function.parameters' must be a JSON Schema object.");
            list.Add(JsonNode.Parse(t.GetRawText()));
        }
        return list;
    }
}
