// OpenAI tool calling on chat completions: `tools`, `tool_choice` and `parallel_tool_calls` checked and turned into
// a plan. The tools go to the chat template, which shows them to the model its own way; the model's reply is parsed
// in the template's format (ToolCallFormat). `tool_choice` "required" or a named function constrains the reply from
// its first token to calls of the allowed tools whose arguments validate against their parameters (a grammar from
// the format's tags around a JSON Schema of the calls); "auto" leaves the text free and parses it, except for
// templates that know no tools, which are told the tools and a JSON reply shape in a system message, and held to it.
using System.Text.Json;
using System.Text.Json.Nodes;
using Meridian.Engine.Serving;
using Meridian.Engine.Tools;
using Meridian.Grammar;
using Meridian.Grammar.Constraints;
using Meridian.Server.Errors;

namespace Meridian.Server.ChatCompletions;

internal sealed record ToolPlan(ToolCallFormat Format, JsonArray Tools, bool Required, string? Named, bool Parallel, GrammarSpec? Grammar)
{
    /// <summary>The plan of a request, or null when it has no tools or tool_choice is "none" (a plain chat).</summary>
    public static ToolPlan? Parse(JsonElement? tools, JsonElement? toolChoice, bool? parallel, EngineModelInfo model)
    {
        if (IsNull(tools) || (tools!.Value.ValueKind == JsonValueKind.Array && tools.Value.GetArrayLength() == 0))
        {
            if (!IsNull(toolChoice) && !(toolChoice!.Value.ValueKind == JsonValueKind.String && toolChoice.Value.ValueEquals("none")))
                throw ApiException.Invalid("tool_choice", "'tool_choice' needs 'tools'.");
            return null;
        }
        var list = ReadTools(tools.Value);
        string choice = "auto";
        string? named = null;
        if (!IsNull(toolChoice))
        {
            var c = toolChoice!.Value;
            if (c.ValueKind == JsonValueKind.String && c.GetString() is "none" or "auto" or "required")
                choice = c.GetString()!;
            else if (c.ValueKind == JsonValueKind.Object && c.TryGetProperty("function", out var f) && f.ValueKind == JsonValueKind.Object
                && f.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String)
            {
                named = n.GetString()!;
                if (!list.Any(t => t!["function"]!["name"]!.GetValue<string>() == named))
                    throw ApiException.Invalid("tool_choice.function.name", $"'tool_choice' names '{named}', which is not one of the tools.");
                choice = "named";
            }
            else
                throw ApiException.Invalid("tool_choice", "'tool_choice' must be \"none\", \"auto\", \"required\" or {\"type\": \"function\", \"function\": {\"name\": ...}}.");
        }
        if (choice == "none")
            return null;
        var format = ToolCallFormats.Detect(model.ChatTemplate?.Source);
        bool many = parallel ?? true;
        bool required = choice is "required" or "named";
        GrammarSpec? grammar = required || format == ToolCallFormat.Generic ? CallGrammar(format, list, named, many, required) : null;
        if (grammar is not null)
        {
            try
            {
                GrammarConstraint.Validate(grammar);
            }
            catch (GrammarException e)
            {
                throw ApiException.Invalid("tools", $"A tool's parameters cannot be enforced for tool_choice \"{(named is null ? choice : named)}\": {e.Message}.");
            }
        }
        return new ToolPlan(format, list, required, named, many, grammar);
    }

    /// <summary>
    /// The messages the template gets: for a template that knows no tools, a system message saying what the tools
    /// are and how to reply (merged into the first system message when there is one).
    /// </summary>
    public List<ChatPromptMessage> Prompt(List<ChatPromptMessage> messages)
    {
        if (Format != ToolCallFormat.Generic)
            return messages;
        // Such a template ignores tool_calls: an earlier call is shown as the JSON reply the model gave for it.
        messages = messages.Select(m => m.ToolCalls is not { } calls ? m : m with
        {
            Content = new JsonObject
            {
                ["tool_calls"] = new JsonArray(calls.Select(c => (JsonNode)new JsonObject
                {
                    ["name"] = c!["function"]!["name"]!.DeepClone(),
                    ["arguments"] = c["function"]!["arguments"]?.DeepClone(),
                }).ToArray()),
            }.ToJsonString(),
            ToolCalls = null,
        }).ToList();
        string text = "You can call these functions:\n" + Tools.ToJsonString() + "\n" +
            (Required
                ? "Reply with only {\"tool_calls\": [{\"name\": <function name>, \"arguments\": <arguments object>}]}."
                : "To call functions, reply with only {\"tool_calls\": [{\"name\": <function name>, \"arguments\": <arguments object>}]}; " +
                  "to answer, reply with only {\"response\": <your answer>}.");
        if (messages.Count > 0 && messages[0].Role == "system")
            return [messages[0] with { Content = messages[0].Content + "\n\n" + text }, .. messages.Skip(1)];
        return [new ChatPromptMessage("system", text), .. messages];
    }

    // The calls the model may make as a JSON Schema, wrapped in the format's tags.
    private static GrammarSpec CallGrammar(ToolCallFormat format, JsonArray tools, string? named, bool many, bool required)
    {
        string argumentsKey = format == ToolCallFormat.Llama3Json ? "parameters" : "arguments";
        var calls = new JsonArray();
        foreach (var t in tools)
        {
            var f = t!["function"]!;
            string name = f["name"]!.GetValue<string>();
            if (named is not null && name != named)
                continue;
            calls.Add(new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject
                {
                    ["name"] = new JsonObject { ["const"] = name },
                    [argumentsKey] = f["parameters"]?.DeepClone() ?? new JsonObject { ["type"] = "object" },
                },
                ["required"] = new JsonArray("name", argumentsKey),
                ["additionalProperties"] = false,
            });
        }
        JsonNode call = calls.Count == 1 ? calls[0]!.DeepClone() : new JsonObject { ["anyOf"] = calls.DeepClone() };
        JsonObject Array() => new() { ["type"] = "array", ["items"] = call.DeepClone(), ["minItems"] = 1, ["maxItems"] = many ? 64 : 1 };
        switch (format)
        {
            case ToolCallFormat.Hermes:
                return new GrammarSpec(GrammarKind.JsonSchema, call.ToJsonString()) { Prefix = "<tool_call>\n", Suffix = "\n</tool_call>", Repeated = many };
            case ToolCallFormat.Mistral:
                return new GrammarSpec(GrammarKind.JsonSchema, Array().ToJsonString()) { Prefix = "[TOOL_CALLS]" };
            case ToolCallFormat.Llama3Json:
                return new GrammarSpec(GrammarKind.JsonSchema, call.ToJsonString());
            default:
                var withCalls = new JsonObject
                {
                    ["type"] = "object",
                    ["properties"] = new JsonObject { ["tool_calls"] = Array() },
                    ["required"] = new JsonArray("tool_calls"),
                    ["additionalProperties"] = false,
                };
                if (required)
                    return new GrammarSpec(GrammarKind.JsonSchema, withCalls.ToJsonString());
                var answer = new JsonObject
                {
                    ["type"] = "object",
                    ["properties"] = new JsonObject { ["response"] = new JsonObject { ["type"] = "string" } },
                    ["required"] = new JsonArray("response"),
                    ["additionalProperties"] = false,
                };
                return new GrammarSpec(GrammarKind.JsonSchema, new JsonObject { ["anyOf"] = new JsonArray(withCalls, answer) }.ToJsonString());
        }
    }

    // Each tool: {"type": "function", "function": {"name", "description"?, "parameters"?, "strict"?}}, names unique.
    private static JsonArray ReadTools(JsonElement tools)
    {
        if (tools.ValueKind != JsonValueKind.Array)
            throw ApiException.Invalid("tools", $"'tools' must be an array, got {Common.RequestJson.Describe(tools.ValueKind)}.");
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

    private static bool IsNull(JsonElement? value) => value is not { } v || v.ValueKind == JsonValueKind.Null;
}
