// A chat's function tools as the engine serves them, shared by the HTTP server and the in-process IChatClient: the
// grammar that "required" and a named choice impose from the first token (the format's tags around the JSON Schema
// of the allowed calls), the system message that tells a template without tool support what the tools are and how
// to answer (llama.cpp's generic format, then enforced for "auto" too), and the reply parsed into text and calls.
// Calls are JSON read by programs, so their grammar allows at most one space between tokens (the spacing of the
// templates' own tojson), which keeps a small model from spending its tokens on indentation.
using System.Text.Json.Nodes;
using Meridian.Engine.Serving;
using Meridian.Grammar;
using Meridian.Grammar.Constraints;

namespace Meridian.Engine.Tools;

/// <summary>OpenAI's tool_choice other than "none" (which is no plan at all).</summary>
public enum ToolChoiceMode
{
    /// <summary>The model decides whether to call.</summary>
    Auto,

    /// <summary>At least one call, of any of the tools.</summary>
    Required,

    /// <summary>Calls of one named tool.</summary>
    Named,
}

/// <summary>How one request's tools are shown to the model, enforced and read back.</summary>
public sealed class ToolPlan
{
    private ToolPlan(ToolCallFormat format, JsonArray tools, ToolChoiceMode mode, GrammarSpec? grammar)
    {
        Format = format;
        Tools = tools;
        Mode = mode;
        Grammar = grammar;
    }

    /// <summary>The model's tool-call format (from its chat template).</summary>
    public ToolCallFormat Format { get; }

    /// <summary>OpenAI's function tools, [{"type": "function", "function": {name, description?, parameters?}}].</summary>
    public JsonArray Tools { get; }

    public ToolChoiceMode Mode { get; }

    /// <summary>
    /// The grammar of the reply: calls from the first token (required and named choices; every choice for a template
    /// without tools), or, for auto, a lazy grammar that takes over at the format's trigger.
    /// </summary>
    public GrammarSpec? Grammar { get; }

    /// <summary>
    /// The plan for <paramref name="tools"/> (already checked: names unique, parameters objects) on
    /// <paramref name="model"/> (its template decides the call format). Throws <see cref="GrammarException"/> when a
    /// tool's parameters cannot be enforced where a grammar is needed.
    /// </summary>
    public static ToolPlan Create(EngineModelInfo model, JsonArray tools, ToolChoiceMode mode, string? named, bool parallel)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tools);
        var format = ToolCallFormats.Detect(model.ChatTemplate?.Source);
        if (mode == ToolChoiceMode.Named && !tools.Any(t => t?["function"]?["name"]?.GetValue<string>() == named))
            throw new ArgumentException($"tool_choice names '{named}', which is not one of the tools", nameof(named));
        // auto: free text, and once the format's trigger appears, calls of the tools (a lazy grammar); required and
        // named: calls from the first token; a template without tools: its JSON envelope from the first token.
        GrammarSpec? grammar = CallGrammar(format, tools, mode == ToolChoiceMode.Named ? named : null, parallel, mode != ToolChoiceMode.Auto);
        if (mode == ToolChoiceMode.Auto && format != ToolCallFormat.Generic)
            grammar = format.Trigger() is { } trigger ? grammar with { Trigger = trigger } : null;
        if (grammar is not null)
            GrammarConstraint.Validate(grammar);
        return new ToolPlan(format, tools, mode, grammar);
    }

    /// <summary>
    /// The messages the template gets: for a template that knows no tools, a system message saying what the tools are
    /// and how to reply (merged into the first system message when there is one), and earlier calls shown as the JSON
    /// reply the model gave for them (such a template ignores tool_calls).
    /// </summary>
    public List<ChatPromptMessage> Prompt(IReadOnlyList<ChatPromptMessage> messages)
    {
        var shown = ShowHistory(Format, messages);
        if (Format != ToolCallFormat.Generic)
            return shown;
        string text = "You can call these functions:\n" + Tools.ToJsonString() + "\n" +
            (Mode != ToolChoiceMode.Auto
                ? "Reply with only {\"tool_calls\": [{\"name\": <function name>, \"arguments\": <arguments object>}]}."
                : "To call functions, reply with only {\"tool_calls\": [{\"name\": <function name>, \"arguments\": <arguments object>}]}; " +
                  "to answer, reply with only {\"response\": <your answer>}.");
        if (shown.Count > 0 && shown[0].Role == "system")
            return [shown[0] with { Content = shown[0].Content + "\n\n" + text }, .. shown.Skip(1)];
        return [new ChatPromptMessage("system", text), .. shown];
    }

    /// <summary>
    /// A conversation's earlier tool calls as a template of <paramref name="format"/> can show them: unchanged where the
    /// template writes tool_calls itself; for a template that knows no tools (which would drop them, or fail on their
    /// empty content), each call shown as the JSON reply the model gave for it. Needed with or without tools in the
    /// request (a client may send a tool history with tool_choice "none").
    /// </summary>
    public static List<ChatPromptMessage> ShowHistory(ToolCallFormat format, IReadOnlyList<ChatPromptMessage> messages)
    {
        if (format != ToolCallFormat.Generic)
            return [.. messages];
        return messages.Select(m => m.ToolCalls is not { } calls ? m : m with
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
    }

    /// <summary>
    /// The messages of a request with <paramref name="plan"/> (null: no tools, or tool_choice "none") as
    /// <paramref name="model"/>'s template gets them: <see cref="Prompt(IReadOnlyList{ChatPromptMessage})"/>, or without
    /// a plan the earlier tool calls shown as <see cref="ShowHistory"/> shows them.
    /// </summary>
    public static List<ChatPromptMessage> Prompt(ToolPlan? plan, EngineModelInfo model, IReadOnlyList<ChatPromptMessage> messages) =>
        plan is not null ? plan.Prompt(messages) : ShowHistory(ToolCallFormats.Detect(model.ChatTemplate?.Source), messages);

    /// <summary>A fresh OpenAI-style call id ("call_" and 24 hex digits).</summary>
    public static string NewCallId() => $"call_{Guid.NewGuid():N}"[..29];

    /// <summary>The reply's text and calls.</summary>
    public ParsedReply Parse(string text) => ToolCallParser.Parse(Format, text);

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
            var properties = new JsonObject
            {
                ["name"] = new JsonObject { ["const"] = name },
                [argumentsKey] = f["parameters"]?.DeepClone() ?? new JsonObject { ["type"] = "object" },
            };
            // Mistral's templates give each call of the history a 9-character id, and its models write one.
            if (format == ToolCallFormat.Mistral)
                properties["id"] = new JsonObject { ["type"] = "string", ["pattern"] = "^[a-zA-Z0-9]{9}$" };
            calls.Add(new JsonObject
            {
                ["type"] = "object",
                ["properties"] = properties,
                ["required"] = new JsonArray("name", argumentsKey),
                ["additionalProperties"] = false,
            });
        }
        JsonNode call = calls.Count == 1 ? calls[0]!.DeepClone() : new JsonObject { ["anyOf"] = calls.DeepClone() };
        JsonObject Array() => new() { ["type"] = "array", ["items"] = call.DeepClone(), ["minItems"] = 1, ["maxItems"] = many ? 64 : 1 };
        switch (format)
        {
            case ToolCallFormat.Hermes:
                return new GrammarSpec(GrammarKind.JsonSchema, call.ToJsonString()) { Prefix = "<tool_call>\n", Suffix = "\n</tool_call>", Repeated = many, SingleSpaces = true };
            case ToolCallFormat.Mistral:
                return new GrammarSpec(GrammarKind.JsonSchema, Array().ToJsonString()) { Prefix = "[TOOL_CALLS]", SingleSpaces = true };
            case ToolCallFormat.Llama3Json:
                return new GrammarSpec(GrammarKind.JsonSchema, call.ToJsonString()) { SingleSpaces = true };
            default:
                var withCalls = new JsonObject
                {
                    ["type"] = "object",
                    ["properties"] = new JsonObject { ["tool_calls"] = Array() },
                    ["required"] = new JsonArray("tool_calls"),
                    ["additionalProperties"] = false,
                };
                if (required)
                    return new GrammarSpec(GrammarKind.JsonSchema, withCalls.ToJsonString()) { SingleSpaces = true };
                var answer = new JsonObject
                {
                    ["type"] = "object",
                    ["properties"] = new JsonObject { ["response"] = new JsonObject { ["type"] = "string" } },
                    ["required"] = new JsonArray("response"),
                    ["additionalProperties"] = false,
                };
                return new GrammarSpec(GrammarKind.JsonSchema, new JsonObject { ["anyOf"] = new JsonArray(withCalls, answer) }.ToJsonString()) { SingleSpaces = true };
        }
    }
}
