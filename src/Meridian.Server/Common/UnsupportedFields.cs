// Refuses the request fields that ask for something Meridian cannot do yet: tool calling (tools, tool_choice, the
// deprecated functions / function_call; structured output is StructuredOutput's). Ignored, they would yield plain
// unconstrained text that a client cannot tell from a real answer; so each is a 400 naming the field, before any
// generation.
using System.Text.Json;
using Meridian.Server.Errors;

namespace Meridian.Server.Common;

internal static class UnsupportedFields
{
    private const string AsIfNoTools = "answer as if no tools were given";

    /// <summary>Chat's tool-calling fields: tools / functions may be null or empty, tool_choice / function_call null or "none".</summary>
    public static void CheckTools(JsonElement? tools, JsonElement? toolChoice, JsonElement? functions, JsonElement? functionCall)
    {
        NullOrEmpty("tools", tools);
        NullOrEmpty("functions", functions);
        NullOrNone("tool_choice", toolChoice);
        NullOrNone("function_call", functionCall);
    }

    /// <summary>An earlier assistant turn's tool calls: the chat template would drop them, so they are refused unless null or empty.</summary>
    public static void CheckMessageToolCalls(int i, JsonElement? toolCalls, JsonElement? functionCall)
    {
        const string why = "leave them out of the prompt";
        NullOrEmpty($"messages[{i}].tool_calls", toolCalls, why);
        if (!IsNull(functionCall))
            throw Tools($"messages[{i}].function_call", "absent or null", why);
    }

    /// <summary>400 for a message role that only tool calling produces ("tool", "function").</summary>
    public static ApiException ToolRole(int i, string role) =>
        ApiException.Invalid($"messages[{i}].role",
            $"Meridian does not implement tool calling yet, so it refuses '{role}' messages ('messages[{i}].role'); roles served: system, user, assistant, developer.");

    // tools / functions / tool_calls: null or [] mean none.
    private static void NullOrEmpty(string param, JsonElement? value, string why = AsIfNoTools)
    {
        if (!IsNull(value) && !(value!.Value.ValueKind == JsonValueKind.Array && value.Value.GetArrayLength() == 0))
            throw Tools(param, "absent, null or an empty array", why);
    }

    // tool_choice / function_call: null or "none" mean no call.
    private static void NullOrNone(string param, JsonElement? value)
    {
        if (!IsNull(value) && !(value!.Value.ValueKind == JsonValueKind.String && value.Value.ValueEquals("none")))
            throw Tools(param, "absent, null or \"none\"", AsIfNoTools);
    }

    private static ApiException Tools(string param, string allowed, string why) =>
        ApiException.Invalid(param, $"Meridian does not implement tool calling yet, so it refuses '{param}' rather than {why}; it may only be {allowed}.");

    private static bool IsNull(JsonElement? value) => value is not { } v || v.ValueKind == JsonValueKind.Null;
}
