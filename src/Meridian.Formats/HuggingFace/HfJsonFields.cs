// Typed reads of config.json fields; every failure names the field (and the file).
using System.Text.Json;
using Meridian.Core;

namespace Meridian.Formats.HuggingFace;

/// <summary>Reads fields of one JSON object; JSON null counts as absent, as transformers treats it.</summary>
internal readonly struct HfJsonFields(string source, JsonElement obj, string prefix = "")
{
    public JsonElement? Get(string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public ModelFormatException Error(string name, string detail) =>
        new($"{source}: field '{prefix}{name}' {detail}");

    public int RequiredInt(string name) =>
        OptionalInt(name) ?? throw Error(name, "is missing (required)");

    public int? OptionalInt(string name)
    {
        if (Get(name) is not { } v)
            return null;
        if (v.ValueKind != JsonValueKind.Number)
            throw Error(name, $"must be an integer, found {Describe(v)}");
        if (!v.TryGetInt32(out int i))
            throw Error(name, $"must be an integer that fits 32 bits, found {v.GetRawText()}");
        return i;
    }

    public double? OptionalDouble(string name)
    {
        if (Get(name) is not { } v)
            return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out double d) || !double.IsFinite(d))
            throw Error(name, $"must be a finite number, found {Describe(v)}");
        return d;
    }

    public bool? OptionalBool(string name)
    {
        if (Get(name) is not { } v)
            return null;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Error(name, $"must be true or false, found {Describe(v)}"),
        };
    }

    public string? OptionalString(string name)
    {
        if (Get(name) is not { } v)
            return null;
        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw Error(name, $"must be a string, found {Describe(v)}");
    }

    public IReadOnlyList<string> StringList(string name)
    {
        if (Get(name) is not { } v)
            return [];
        if (v.ValueKind != JsonValueKind.Array)
            throw Error(name, $"must be a list of strings, found {Describe(v)}");
        var list = new List<string>();
        foreach (var item in v.EnumerateArray())
            list.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : throw Error(name, $"must be a list of strings, found an item {Describe(item)}"));
        return list;
    }

    /// <summary>An integer or a list of integers (eos_token_id takes both forms).</summary>
    public IReadOnlyList<int> IntOrIntList(string name)
    {
        if (Get(name) is not { } v)
            return [];
        if (v.ValueKind == JsonValueKind.Number)
            return [OptionalInt(name)!.Value];
        if (v.ValueKind != JsonValueKind.Array)
            throw Error(name, $"must be an integer or a list of integers, found {Describe(v)}");
        var list = new List<int>();
        foreach (var item in v.EnumerateArray())
            list.Add(item.ValueKind == JsonValueKind.Number && item.TryGetInt32(out int i) ? i : throw Error(name, $"must be a list of integers, found an item {Describe(item)}"));
        return list;
    }

    public int Positive(string name, int value) =>
        value > 0 ? value : throw Error(name, $"must be positive, found {value}");

    private static string Describe(JsonElement v)
    {
        string raw = v.GetRawText();
        if (raw.Length > 40)
            raw = raw[..40] + "...";
        return $"{v.ValueKind} {raw}";
    }
}
