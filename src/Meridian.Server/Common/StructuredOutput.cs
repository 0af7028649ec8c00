// The structured-output fields of both completion endpoints as the grammar a request's output must follow:
// OpenAI's response_format {"type": "json_object"}, and a regular expression through vLLM's guided_regex or
// structured_outputs {"regex": ...}. What Meridian cannot enforce yet (response_format json_schema, llama-server's
// json_schema and grammar, vLLM's guided_json / guided_choice / guided_grammar and the other structured_outputs
// kinds) is a 400 naming the field; ignored, it would yield unconstrained text a client cannot tell from an answer.
using System.Text.Json;
using Meridian.Grammar;
using Meridian.Grammar.Constraints;
using Meridian.Server.Errors;

namespace Meridian.Server.Common;

internal static class StructuredOutput
{
    private const string Served = "served: response_format {\"type\": \"text\"} or {\"type\": \"json_object\"}, guided_regex, structured_outputs {\"regex\": ...}";

    /// <summary>The request's grammar, null for plain text; a 400 for a field that cannot be enforced or conflicts with another.</summary>
    public static GrammarSpec? Parse(GenerationFields request)
    {
        var found = new List<(string Param, GrammarSpec Spec)>();
        if (ResponseFormat(request.ResponseFormat) is { } format)
            found.Add(("response_format", format));
        Refuse("json_schema", request.JsonSchema);
        Refuse("grammar", request.Grammar);
        Refuse("guided_json", request.GuidedJson);
        Refuse("guided_choice", request.GuidedChoice);
        Refuse("guided_grammar", request.GuidedGrammar);
        if (!IsNull(request.GuidedRegex))
            found.Add(("guided_regex", Regex("guided_regex", request.GuidedRegex!.Value)));
        if (StructuredOutputs(request.StructuredOutputs) is { } so)
            found.Add(("structured_outputs", so));
        if (found.Count > 1)
            throw ApiException.Invalid(found[1].Param,
                $"'{found[0].Param}' and '{found[1].Param}' both constrain the output; give one.");
        return found.Count == 0 ? null : found[0].Spec;
    }

    private static GrammarSpec? ResponseFormat(JsonElement? format)
    {
        if (IsNull(format))
            return null;
        var value = format!.Value;
        if (value.ValueKind != JsonValueKind.Object)
            throw ApiException.Invalid("response_format",
                $"Invalid type for 'response_format': expected an object such as {{\"type\": \"text\"}}, got {RequestJson.Describe(value.ValueKind)}.");
        if (!value.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            throw ApiException.Invalid("response_format.type", "'response_format.type' is missing or not a string.");
        string name = type.GetString()!;
        switch (name)
        {
            case "text":
                return null;
            case "json_object":
                if (value.TryGetProperty("schema", out var schema) && schema.ValueKind != JsonValueKind.Null)
                    throw ApiException.Invalid("response_format.schema",
                        "Meridian does not enforce JSON Schema yet, so it refuses 'response_format.schema' rather than return JSON that may not match it.");
                return GrammarSpec.JsonObject;
            case "json_schema":
                throw ApiException.Invalid("response_format.type",
                    "Meridian does not enforce JSON Schema yet, so it refuses 'response_format' of type 'json_schema' rather than return JSON " +
                    $"that may not match it; {Served}.");
            default:
                throw ApiException.Invalid("response_format.type", $"Unknown 'response_format' type '{name}'; {Served}.");
        }
    }

    private static GrammarSpec? StructuredOutputs(JsonElement? value)
    {
        if (IsNull(value))
            return null;
        var v = value!.Value;
        if (v.ValueKind != JsonValueKind.Object)
            throw ApiException.Invalid("structured_outputs", $"'structured_outputs' must be an object, got {RequestJson.Describe(v.ValueKind)}.");
        GrammarSpec? spec = null;
        foreach (var p in v.EnumerateObject())
        {
            if (p.Value.ValueKind == JsonValueKind.Null)
                continue;
            if (p.Name != "regex")
                throw ApiException.Invalid($"structured_outputs.{p.Name}",
                    $"Meridian does not implement 'structured_outputs.{p.Name}' yet, so it refuses it rather than return unconstrained text; {Served}.");
            spec = Regex("structured_outputs.regex", p.Value);
        }
        return spec;
    }

    private static GrammarSpec Regex(string param, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
            throw ApiException.Invalid(param, $"'{param}' must be a string (a regular expression), got {RequestJson.Describe(value.ValueKind)}.");
        var spec = new GrammarSpec(GrammarKind.Regex, value.GetString());
        try
        {
            GrammarConstraint.Validate(spec);
        }
        catch (GrammarException e)
        {
            throw ApiException.Invalid(param, $"'{param}': {e.Message}.");
        }
        return spec;
    }

    private static void Refuse(string param, JsonElement? value)
    {
        if (!IsNull(value))
            throw ApiException.Invalid(param,
                $"Meridian does not implement '{param}' yet, so it refuses it rather than return unconstrained text; {Served}.");
    }

    private static bool IsNull(JsonElement? value) => value is not { } v || v.ValueKind == JsonValueKind.Null;
}
