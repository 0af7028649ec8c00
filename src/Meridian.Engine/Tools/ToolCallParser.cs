// A model's reply split into its text and its function calls, for each ToolCallFormat. Arguments come back as
// compact JSON text (OpenAI's `arguments` string); a call whose JSON does not parse, or that names no function, is
// left in the text rather than guessed at. In the tagged formats (Hermes, Mistral) the text loses its leading
// whitespace, and around calls its trailing whitespace too, so that ToolCallStreamer can stream it as it comes.
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Meridian.Engine.Tools;

/// <summary>One function call: the function's name and its arguments as a JSON object's text.</summary>
public sealed record ParsedToolCall(string Name, string Arguments);

/// <summary>A reply: its text (calls removed) and its calls, in order.</summary>
public sealed record ParsedReply(string Content, IReadOnlyList<ParsedToolCall> Calls);

public static class ToolCallParser
{
    public static ParsedReply Parse(ToolCallFormat format, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return format switch
        {
            ToolCallFormat.Hermes => Hermes(text),
            ToolCallFormat.Mistral => Mistral(text),
            ToolCallFormat.Llama3Json => Llama3(text),
            _ => Generic(text),
        };
    }

    private static ParsedReply Hermes(string text)
    {
        const string open = "<tool_call>", close = "</tool_call>";
        var calls = new List<ParsedToolCall>();
        int first = text.IndexOf(open, StringComparison.Ordinal);
        if (first < 0)
            return new ParsedReply(text.TrimStart(), calls);
        int at = first;
        string rest = "";
        while (at >= 0)
        {
            int end = text.IndexOf(close, at, StringComparison.Ordinal);
            string body = end < 0 ? text[(at + open.Length)..] : text[(at + open.Length)..end];
            if (Call(body, "arguments") is not { } call)
                return new ParsedReply(text.TrimStart(), []); // not a call after all: all of it is text
            calls.Add(call);
            if (end < 0)
                break;
            int next = text.IndexOf(open, end, StringComparison.Ordinal);
            if (next < 0)
                rest = text[(end + close.Length)..];
            else if (!string.IsNullOrWhiteSpace(text[(end + close.Length)..next]))
                return new ParsedReply(text.TrimStart(), []);
            at = next;
        }
        string content = (text[..first] + rest).Trim();
        return new ParsedReply(content, calls);
    }

    private static ParsedReply Mistral(string text)
    {
        const string open = "[TOOL_CALLS]";
        int at = text.IndexOf(open, StringComparison.Ordinal);
        if (at < 0)
            return new ParsedReply(text.TrimStart(), []);
        try
        {
            if (JsonNode.Parse(text[(at + open.Length)..]) is not JsonArray array)
                return new ParsedReply(text.TrimStart(), []);
            var calls = new List<ParsedToolCall>();
            foreach (var item in array)
            {
                if (item is not JsonObject o || Call(o, "arguments") is not { } call)
                    return new ParsedReply(text.TrimStart(), []);
                calls.Add(call);
            }
            return new ParsedReply(text[..at].Trim(), calls);
        }
        catch (JsonException)
        {
            return new ParsedReply(text.TrimStart(), []);
        }
    }

    private static ParsedReply Llama3(string text)
    {
        string body = text.Trim();
        if (body.StartsWith("<|python_tag|>", StringComparison.Ordinal))
            body = body["<|python_tag|>".Length..].Trim();
        if (!body.StartsWith('{'))
            return new ParsedReply(text, []);
        return Call(body, "parameters") is { } call ? new ParsedReply("", [call]) : new ParsedReply(text, []);
    }

    // {"tool_calls": [{"name", "arguments"}, ...]} or {"tool_call": {...}} or {"response": "..."}.
    private static ParsedReply Generic(string text)
    {
        try
        {
            if (JsonNode.Parse(text) is not JsonObject o)
                return new ParsedReply(text, []);
            if (o["response"] is JsonValue response && response.TryGetValue(out string? s))
                return new ParsedReply(s, []);
            var items = o["tool_calls"] as JsonArray ?? (o["tool_call"] is JsonObject one ? [one.DeepClone()] : null);
            if (items is null)
                return new ParsedReply(text, []);
            var calls = new List<ParsedToolCall>();
            foreach (var item in items)
            {
                if (item is not JsonObject c || Call(c, "arguments") is not { } call)
                    return new ParsedReply(text, []);
                calls.Add(call);
            }
            return new ParsedReply("", calls);
        }
        catch (JsonException)
        {
            return new ParsedReply(text, []);
        }
    }

    private static ParsedToolCall? Call(string json, string argumentsKey)
    {
        try
        {
            return JsonNode.Parse(json.Trim()) is JsonObject o ? Call(o, argumentsKey) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // {"name": "f", "<argumentsKey>" (or "arguments"): {...} or "{...}"}.
    private static ParsedToolCall? Call(JsonObject o, string argumentsKey)
    {
        if (o["name"] is not JsonValue nameValue || !nameValue.TryGetValue(out string? name) || string.IsNullOrEmpty(name))
            return null;
        var args = o[argumentsKey] ?? o["arguments"] ?? o["parameters"];
        string arguments = args switch
        {
            null => "{}",
            JsonValue v when v.TryGetValue(out string? s) => Compact(s),
            _ => args.ToJsonString(),
        };
        return arguments is null ? null : new ParsedToolCall(name, arguments);
    }

    // Arguments given as a JSON string: its compact form when it is JSON, else null (not a call).
    private static string Compact(string s)
    {
        try
        {
            return JsonNode.Parse(s)?.ToJsonString() ?? "{}";
        }
        catch (JsonException)
        {
            return null!;
        }
    }
}
