// Converts the caller's .NET values into the template value model: strings, bools, integers,
// floats, dictionaries (key order kept), sequences, and System.Text.Json nodes/elements, so a JSON
// request body passes straight through. Nothing else is accepted: templates never see .NET objects.
using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Meridian.Tokenizers.Templates;

internal static class ValueConverter
{
    private const int MaxDepth = 256;

    public static object? FromDotNet(object? value, string path, int depth = 0)
    {
        if (depth > MaxDepth)
            throw new ArgumentException($"template variable '{path}' is nested deeper than {MaxDepth} levels");
        switch (value)
        {
            case null: return null;
            case string or bool or long or double: return value;
            case int or short or sbyte or byte or ushort or uint: return Convert.ToInt64(value, CultureInfo.InvariantCulture);
            case ulong u: return u <= long.MaxValue ? (long)u : (double)u;
            case float f: return (double)f;
            case decimal m: return (double)m;
            case char c: return c.ToString();
            case JinjaList or JinjaDict or JinjaNamespace or Undefined or JinjaCallable: return value;
            case JsonNode node: return FromJsonNode(node, path, depth);
            case JsonElement element: return FromJsonElement(element, path, depth);
            case IEnumerable<KeyValuePair<string, object?>> pairs:
            {
                var dict = new JinjaDict();
                foreach (var (key, item) in pairs)
                    dict.Set(key, FromDotNet(item, $"{path}.{key}", depth + 1));
                return dict;
            }
            case IDictionary map:
            {
                var dict = new JinjaDict();
                foreach (DictionaryEntry entry in map)
                    dict.Set(FromDotNet(entry.Key, path, depth + 1), FromDotNet(entry.Value, $"{path}.{entry.Key}", depth + 1));
                return dict;
            }
            case IEnumerable sequence:
            {
                var items = new List<object?>();
                int i = 0;
                foreach (object? item in sequence)
                    items.Add(FromDotNet(item, $"{path}[{i++}]", depth + 1));
                return new JinjaList(items);
            }
            default:
                throw new ArgumentException($"template variable '{path}' has type {value.GetType().Name}, which templates cannot use; pass strings, numbers, bools, dictionaries, lists or JSON");
        }
    }

    private static object? FromJsonNode(JsonNode node, string path, int depth)
    {
        if (depth > MaxDepth)
            throw new ArgumentException($"template variable '{path}' is nested deeper than {MaxDepth} levels");
        switch (node)
        {
            case JsonObject obj:
            {
                var dict = new JinjaDict();
                foreach (var (key, item) in obj)
                    dict.Set(key, item is null ? null : FromJsonNode(item, $"{path}.{key}", depth + 1));
                return dict;
            }
            case JsonArray array:
            {
                var items = new List<object?>(array.Count);
                for (int i = 0; i < array.Count; i++)
                    items.Add(array[i] is JsonNode item ? FromJsonNode(item, $"{path}[{i}]", depth + 1) : null);
                return new JinjaList(items);
            }
            default:
            {
                var value = node.AsValue();
                if (value.TryGetValue(out JsonElement element)) return FromJsonElement(element, path, depth);
                if (value.TryGetValue(out string? s)) return s;
                if (value.TryGetValue(out bool b)) return b;
                if (value.TryGetValue(out long l)) return l;
                if (value.TryGetValue(out double d)) return d;
                return FromJsonElement(JsonSerializer.SerializeToElement(node), path, depth);
            }
        }
    }

    private static object? FromJsonElement(JsonElement element, string path, int depth)
    {
        if (depth > MaxDepth)
            throw new ArgumentException($"template variable '{path}' is nested deeper than {MaxDepth} levels");
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
            {
                var dict = new JinjaDict();
                foreach (var property in element.EnumerateObject())
                    dict.Set(property.Name, FromJsonElement(property.Value, $"{path}.{property.Name}", depth + 1));
                return dict;
            }
            case JsonValueKind.Array:
            {
                var items = new List<object?>();
                int i = 0;
                foreach (var item in element.EnumerateArray())
                    items.Add(FromJsonElement(item, $"{path}[{i++}]", depth + 1));
                return new JinjaList(items);
            }
            case JsonValueKind.String: return element.GetString();
            case JsonValueKind.True: return true;
            case JsonValueKind.False: return false;
            case JsonValueKind.Null or JsonValueKind.Undefined: return null;
            default:
                // As Python's json.loads: a number with '.', 'e' or 'E' is a float, otherwise an int.
                string raw = element.GetRawText();
                if (raw.AsSpan().IndexOfAny(".eE") < 0 && element.TryGetInt64(out long l)) return l;
                return element.GetDouble();
        }
    }
}
