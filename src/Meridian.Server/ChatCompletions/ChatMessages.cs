// Validates OpenAI chat messages and turns them into template input. Roles: system, user, assistant,
// developer (OpenAI's newer name for system; templates know only "system", so it is renamed). Content: a
// string, null (an assistant turn without text), or an array of text parts; any other part type is a 400.
// Tool calling is not implemented: "tool" / "function" messages and an assistant's tool_calls are a 400.
using System.Text;
using System.Text.Json;
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
                "system" or "user" or "assistant" => m.Role,
                "developer" => "system",
                "tool" or "function" => throw UnsupportedFields.ToolRole(i, m.Role),
                null => throw ApiException.Invalid($"messages[{i}].role", $"'messages[{i}].role' is missing."),
                _ => throw ApiException.Invalid($"messages[{i}].role",
                    $"Invalid value for 'messages[{i}].role': '{m.Role}' is not one of system, user, assistant, developer."),
            };
            UnsupportedFields.CheckMessageToolCalls(i, m.ToolCalls, m.FunctionCall);
            result.Add(new ChatPromptMessage(role, Content(m.Content, i)));
        }
        return result;
    }

    /// <summary>The prompt tokens of <paramref name="messages"/> through the model's chat template; a template that rejects them is a 400 on 'messages'.</summary>
    public static int[] Encode(EngineModelInfo model, List<ChatPromptMessage> messages)
    {
        try
        {
            return ChatPrompt.Encode(model, messages);
        }
        catch (TemplateException e)
        {
            throw ApiException.Invalid("messages", $"The chat template rejected the messages: {e.Message}");
        }
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
