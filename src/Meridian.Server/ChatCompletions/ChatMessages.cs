// Validates OpenAI chat messages and turns them into template input. Roles: system, user, assistant, tool,
// developer (OpenAI's newer name for system; templates know only "system", so it is renamed). Content: a
// string, null (an assistant turn without text), or an array of text parts; any other part type is a 400. An
// assistant's tool_calls go to the template with their arguments parsed (templates write them with tojson); a tool
// message needs its tool_call_id. The deprecated "function" role and function_call are a 400.
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Meridian.Engine.Serving;
using Meridian.Server.Common;
using Meridian.Server.Errors;
using Meridian.Tokenizers.Templates;

namespace Meridian.Server.ChatCompletions;

internal static class ChatMessages
{
    public static List<ChatPromptMessage> Parse(List<ChatMessageInput?>? messages)
    {
        if (messages is null || messages.Count == 0)
            throw ApiException.Invalid("messages", "'messages' must be a non-empty array of messages.");
        var result = new List<ChatPromptMessage>(messages.Count);
        for (int i = 0; i < messages.Count; i++)
        {
            var m = messages[i] ?? throw ApiException.Invalid($"messages[{i}]", $"'messages[{i}]' must be an object, not null.");
            string role = m.Role switch
            {
                "system" or "user" or "assistant" or "tool" => m.Role,
                "developer" => "system",
                "function" => throw UnsupportedFields.ToolRole(i, m.Role),
                null => throw ApiException.Invalid($"messages[{i}].role", $"'messages[{i}].role' is missing."),
                _ => throw ApiException.Invalid($"messages[{i}].role",
                    $"Invalid value for 'messages[{i}].role': '{m.Role}' is not one of system, user, assistant, developer."),
            };
            UnsupportedFields.CheckMessageFunctionCall(i, m.FunctionCall);
            var calls = role == "assistant" ? ToolCalls(m.ToolCalls, i) : null;
            if (role != "assistant" && m.ToolCalls is { ValueKind: not JsonValueKind.Null })
                throw ApiException.Invalid($"messages[{i}].tool_calls", $"'messages[{i}].tool_calls' belongs to assistant messages only.");
            if (role == "tool" && string.IsNullOrEmpty(m.ToolCallId))
                throw ApiException.Invalid($"messages[{i}].tool_call_id", $"'messages[{i}].tool_call_id' is missing: a tool message answers one call.");
            result.Add(new ChatPromptMessage(role, calls is not null && RequestJson.IsNull(m.Content) ? null : Content(m.Content, i))
            {
                ToolCalls = calls,
                ToolCallId = role == "tool" ? m.ToolCallId : null,
                Name = role == "tool" ? m.Name : null,
            });
        }
        return result;
    }

    /// <summary>The prompt tokens of <paramref name="messages"/> through the model's chat template; a template that rejects them is a 400 on 'messages'.</summary>
    public static int[] Encode(EngineModelInfo model, List<ChatPromptMessage> messages, JsonArray? tools = null)
    {
        try
        {
            return ChatPrompt.Encode(model, messages, tools);
        }
        catch (TemplateException e)
        {
            throw ApiException.Invalid("messages", $"The chat template rejected the messages: {e.Message}");
        }
    }

    // [{id, type: "function", function: {name, arguments}}]: arguments (a JSON string in OpenAI's API) parsed into an
    // object for the template; null or [] is no calls.
    private static JsonArray? ToolCalls(JsonElement? value, int i)
    {
        if (value is not { } v || v.ValueKind == JsonValueKind.Null || (v.ValueKind == JsonValueKind.Array && v.GetArrayLength() == 0))
            return null;
        if (v.ValueKind != JsonValueKind.Array)
            throw ApiException.Invalid($"messages[{i}].tool_calls", $"'messages[{i}].tool_calls' must be an array.");
        var calls = new JsonArray();
        int j = 0;
        foreach (var c in v.EnumerateArray())
        {
            string at = $"messages[{i}].tool_calls[{j++}]";
            if (c.ValueKind != JsonValueKind.Object || !c.TryGetProperty("function", out var f) || f.ValueKind != JsonValueKind.Object
                || !f.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
                throw ApiException.Invalid(at, $"'{at}' must be {{\"id\", \"type\": \"function\", \"function\": {{\"name\", \"arguments\"}}}}.");
            JsonNode? arguments = null;
            if (f.TryGetProperty("arguments", out var a))
            {
                if (a.ValueKind == JsonValueKind.String)
                {
                    try
                    {
                        arguments = JsonNode.Parse(a.GetString()!) is JsonObject o ? o : JsonValue.Create(a.GetString());
                    }
                    catch (JsonException)
                    {
                        arguments = JsonValue.Create(a.GetString());
                    }
                }
                else
                    arguments = JsonNode.Parse(a.GetRawText());
            }
            calls.Add(new JsonObject
            {
                ["id"] = c.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : $"call_{j}",
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = name.GetString(), ["arguments"] = arguments ?? new JsonObject() },
            });
        }
        return calls;
    }

    private static string Content(JsonElement? content, int i)
    {
        if (content is not { } value || value.ValueKind == JsonValueKind.Null)
            return "";
        if (value.ValueKind == JsonValueKind.String)
            return value.GetString()!;
        if (value.ValueKind != JsonValueKind.Array)
            throw ApiException.Invalid($"messages[{i}].content",
                $"Invalid type for 'messages[{i}].content': expected a string or an array of content parts, got {RequestJson.Describe(value.ValueKind)}.");
        var text = new StringBuilder();
        int j = 0;
        foreach (var part in value.EnumerateArray())
        {
            string param = $"messages[{i}].content[{j}]";
            if (part.ValueKind != JsonValueKind.Object)
                throw ApiException.Invalid(param, $"Invalid type for '{param}': expected an object, got {RequestJson.Describe(part.ValueKind)}.");
            if (!part.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
                throw ApiException.Invalid($"{param}.type", $"'{param}.type' is missing or not a string.");
            if (type.GetString() != "text")
                throw ApiException.Invalid($"{param}.type",
                    $"Invalid value for '{param}.type': '{type.GetString()}' parts are not supported; only 'text'.");
            if (!part.TryGetProperty("text", out var t) || t.ValueKind != JsonValueKind.String)
                throw ApiException.Invalid($"{param}.text", $"'{param}.text' is missing or not a string.");
            text.Append(t.GetString());
            j++;
        }
        return text.ToString();
    }
}
