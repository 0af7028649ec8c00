// The structured-output fields of both completion endpoints as the grammar a request's output must follow:
// OpenAI's response_format {"type": "json_object"} and {"type": "json_schema", "json_schema": {name, schema, strict}},
// llama-server's json_schema and grammar (GBNF), vLLM's guided_json and guided_regex and structured_outputs {"json" |
// "regex"}. A schema keyword that cannot be enforced is a 400 naming the field and the keyword; what Meridian cannot
// enforce at all yet (vLLM's Lark/EBNF guided_grammar, guided_choice, the other structured_outputs kinds) is a 400
// naming the field. Ignored, either would yield unconstrained text a client cannot tell from an answer.
using System.Text.Json;
using Meridian.Grammar;
using Meridian.Grammar.Constraints;
using Meridian.Server.Errors;

namespace Meridian.Server.Common;

internal static class StructuredOutput
{
    private const string Served = "served: response_format text, json_object and json_schema, json_schema, grammar (GBNF), guided_json, guided_regex, structured_outputs {\"json\" | \"regex\": ...}";

    /// <summary>The request's grammar, null for plain text; a 400 for a field that cannot be enforced or conflicts with another.</summary>
    public static GrammarSpec? Parse(GenerationFields request)
    {
        var found = new List<(string Param, GrammarSpec Spec)>();
        if (ResponseFormat(request.ResponseFormat) is { } format)
            found.Add(("response_format", format));
        if (!RequestJson.IsNull(request.JsonSchema))
            found.Add(("json_schema", Schema("json_schema", request.JsonSchema!.Value)));
        if (!RequestJson.IsNull(request.Grammar))
            found.Add(("grammar", Gbnf("grammar", request.Grammar!.Value)));
        if (!RequestJson.IsNull(request.GuidedJson))
            found.Add(("guided_json", Schema("guided_json", request.GuidedJson!.Value)));
        Refuse("guided_choice", request.GuidedChoice);
        Refuse("guided_grammar", request.GuidedGrammar);
        if (!RequestJson.IsNull(request.GuidedRegex))
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
        if (RequestJson.IsNull(format))
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
                // llama-server's extension: a schema beside json_object.
                if (value.TryGetProperty("schema", out var schema) && schema.ValueKind != JsonValueKind.Null)
                    return Schema("response_format.schema", schema);
                return GrammarSpec.JsonObject;
            case "json_schema":
                if (!value.TryGetProperty("json_schema", out var wrapper) || wrapper.ValueKind != JsonValueKind.Object)
                    throw ApiException.Invalid("response_format.json_schema", "'response_format.json_schema' is missing or not an object.");
                if (!wrapper.TryGetProperty("name", out var schemaName) || schemaName.ValueKind != JsonValueKind.String || !ValidName(schemaName.GetString()!))
                    throw ApiException.Invalid("response_format.json_schema.name",
                        "'response_format.json_schema.name' must be a string of 1 to 64 characters a-z, A-Z, 0-9, '_' or '-'.");
                if (wrapper.TryGetProperty("strict", out var strict) && strict.ValueKind is not (JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null))
                    throw ApiException.Invalid("response_format.json_schema.strict", "'response_format.json_schema.strict' must be a boolean.");
                // strict or not, the schema is enforced: Meridian has no looser mode to fall back to.
                if (!wrapper.TryGetProperty("schema", out var body) || body.ValueKind == JsonValueKind.Null)
                    return GrammarSpec.JsonObject; // OpenAI: no schema means any JSON object
                return Schema("response_format.json_schema.schema", body);
            default:
                throw ApiException.Invalid("response_format.type", $"Unknown 'response_format' type '{name}'; {Served}.");
        }
    }

    private static GrammarSpec? StructuredOutputs(JsonElement? value)
    {
        if (RequestJson.IsNull(value))
            return null;
        var v = value!.Value;
        if (v.ValueKind != JsonValueKind.Object)
            throw ApiException.Invalid("structured_outputs", $"'structured_outputs' must be an object, got {RequestJson.Describe(v.ValueKind)}.");
        GrammarSpec? spec = null;
        foreach (var p in v.EnumerateObject())
        {
            if (p.Value.ValueKind == JsonValueKind.Null)
                continue;
            spec = p.Name switch
            {
                "regex" => Regex("structured_outputs.regex", p.Value),
                "json" => Schema("structured_outputs.json", p.Value),
                _ => throw ApiException.Invalid($"structured_outputs.{p.Name}",
                    $"Meridian does not implement 'structured_outputs.{p.Name}' yet, so it refuses it rather than return unconstrained text; {Served}."),
            };
        }
        return spec;
    }

    private static GrammarSpec Regex(string param, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
            throw ApiException.Invalid(param, $"'{param}' must be a string (a regular expression), got {RequestJson.Describe(value.ValueKind)}.");
        return Validated(param, new GrammarSpec(GrammarKind.Regex, value.GetString()), ".");
    }

    // A JSON Schema (an object or a boolean; vLLM and llama-server also take it as a JSON string), compiled now so that a
    // keyword it cannot enforce is a 400 naming it.
    private static GrammarSpec Schema(string param, JsonElement value)
    {
        string text = value.ValueKind switch
        {
            JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
            JsonValueKind.String => value.GetString()!,
            _ => throw ApiException.Invalid(param, $"'{param}' must be a JSON Schema (an object), got {RequestJson.Describe(value.ValueKind)}."),
        };
        return Validated(param, new GrammarSpec(GrammarKind.JsonSchema, text), "; Meridian refuses the schema rather than return JSON that may not match it.");
    }

    // llama-server's GBNF grammar, as a string.
    private static GrammarSpec Gbnf(string param, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
            throw ApiException.Invalid(param, $"'{param}' must be a string (a GBNF grammar), got {RequestJson.Describe(value.ValueKind)}.");
        return Validated(param, new GrammarSpec(GrammarKind.Gbnf, value.GetString()), ".");
    }

    // The spec compiled now, so that what cannot be enforced is a 400 naming the field and the construct.
    private static GrammarSpec Validated(string param, GrammarSpec spec, string end)
    {
        try
        {
            GrammarConstraint.Validate(spec);
        }
        catch (GrammarException e)
        {
            throw ApiException.Invalid(param, $"'{param}': {e.Message}{end}");
        }
        return spec;
    }

    private static bool ValidName(string name) =>
        name.Length is >= 1 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    private static void Refuse(string param, JsonElement? value)
    {
        if (!RequestJson.IsNull(value))
            throw ApiException.Invalid(param,
                $"Meridian does not implement '{param}' yet, so it refuses it rather than return unconstrained text; {Served}.");
    }
}
