// Reads a request body as JSON through a source-generated contract, turning every failure into a 400 that
// names the field: malformed JSON (with line and byte), a body that is not an object, a value of the wrong type.
// Unknown fields are ignored (OpenAI clients send fields we do not implement).
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Meridian.Server.Errors;

namespace Meridian.Server.Common;

internal static class RequestJson
{
    public static async Task<T> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> contract)
    {
        // Kestrel enforces MaxRequestBodyBytes while this reads (BadHttpRequestException 413).
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        if (buffer.Length == 0)
            throw ApiException.Invalid(null, "The request body is empty; expected a JSON object.");
        var bytes = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        try
        {
            return JsonSerializer.Deserialize(bytes.Span, contract)
                ?? throw ApiException.Invalid(null, $"The request body must be a JSON object, not {Describe(JsonValueKind.Null)}.");
        }
        catch (JsonException e)
        {
            // Only a failing body is parsed a second time, to say what is wrong with it.
            throw Explain(bytes, e);
        }
    }

    private static ApiException Explain(ReadOnlyMemory<byte> body, JsonException error)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            return ApiException.Invalid(null, $"The request body is not valid JSON: {e.Message}");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return ApiException.Invalid(null, $"The request body must be a JSON object, not {Describe(root.ValueKind)}.");
            string? param = Param(error.Path);
            var found = param is null ? null : Find(root, param);
            string got = found is { } f ? $" (got {Describe(f.ValueKind)}{Sample(f)})" : "";
            return ApiException.Invalid(param, param is null
                ? $"The request body has a value of the wrong type: {error.Message}"
                : $"Invalid type for '{param}'{got}.");
        }
    }

    // "$.messages[0].role" -> "messages[0].role"; null for the root.
    internal static string? Param(string? path) =>
        path is null || path == "$" ? null : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');

    // Walks "a.b[2].c" down from the root; null when the path does not resolve (or uses bracketed names).
    internal static JsonElement? Find(JsonElement root, string param)
    {
        var current = root;
        foreach (var part in param.Split('.'))
        {
            string name = part;
            int bracket = name.IndexOf('[');
            string rest = bracket < 0 ? "" : name[bracket..];
            if (bracket >= 0)
                name = name[..bracket];
            if (name.Length > 0)
            {
                if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(name, out current))
                    return null;
            }
            while (rest.Length > 0)
            {
                int close = rest.IndexOf(']');
                if (close < 0 || !int.TryParse(rest.AsSpan(1, close - 1), out int index) ||
                    current.ValueKind != JsonValueKind.Array || index < 0 || index >= current.GetArrayLength())
                    return null;
                current = current[index];
                rest = rest[(close + 1)..];
            }
        }
        return current;
    }

    // A short value is quoted in the message ("got a number 1.5"), a long one is not.
    private static string Sample(JsonElement value)
    {
        if (value.ValueKind is not (JsonValueKind.Number or JsonValueKind.String))
            return "";
        string raw = value.GetRawText();
        return raw.Length <= 40 ? " " + raw : "";
    }

    internal static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    /// <summary>An optional field that is absent or JSON null.</summary>
    public static bool IsNull(JsonElement? value) => value is not { } v || v.ValueKind == JsonValueKind.Null;
}
