// Refuses the request fields that ask for something Meridian does not do: the deprecated function calling
// (functions / function_call, and the "function" role; tools are ChatTools', structured output StructuredOutput's).
// Ignored, they would yield plain text that a client cannot tell from a real answer; so each is a 400 naming the field,
// before any generation.
using System.Text.Json;
using Meridian.Server.Errors;

namespace Meridian.Server.Common;

internal static class UnsupportedFields
{
    private const string UseTools = "use tools and tool_choice";

    /// <summary>The deprecated function-calling fields (OpenAI replaced them by tools / tool_choice): null, [] or "none" only.</summary>
    public static void CheckFunctions(JsonElement? functions, JsonElement? functionCall)
    {
        NullOrEmpty("functions", functions);
        NullOrNone("function_call", functionCall);
    }

    /// <summary>A message's deprecated function_call: refused unless null.</summary>
    public static void CheckMessageFunctionCall(int i, JsonElement? functionCall)
    {
        if (!RequestJson.IsNull(functionCall))
            throw Tools($"messages[{i}].function_call", "absent or null", "use tool_calls");
    }

    /// <summary>400 for the deprecated "function" role.</summary>
    public static ApiException ToolRole(int i, string role) =>
        ApiException.Invalid($"messages[{i}].role",
            $"Meridian does not implement the deprecated function calling, so it refuses '{role}' messages ('messages[{i}].role'); roles served: system, user, assistant, tool, developer.");

    // functions: null or [] mean none.
    private static void NullOrEmpty(string param, JsonElement? value)
    {
        if (!RequestJson.IsNull(value) && !(value!.Value.ValueKind == JsonValueKind.Array && value.Value.GetArrayLength() == 0))
            throw Tools(param, "absent, null or an empty array", UseTools);
    }

    // function_call: null or "none" mean no call.
    private static void NullOrNone(string param, JsonElement? value)
    {
        if (!RequestJson.IsNull(value) && !(value!.Value.ValueKind == JsonValueKind.String && value.Value.ValueEquals("none")))
            throw Tools(param, "absent, null or \"none\"", UseTools);
    }

    private static ApiException Tools(string param, string allowed, string why) =>
        ApiException.Invalid(param, $"Meridian does not implement the deprecated function calling, so it refuses '{param}' ({why}: tools and tool_choice are served); it may only be {allowed}.");
}
