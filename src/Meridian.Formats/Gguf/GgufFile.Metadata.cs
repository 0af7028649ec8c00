// Typed metadata accessors of GgufFile. Get* throws GgufKeyNotFoundException for a missing key;
// Try* returns false for a missing key; both throw GgufFormatException for a value of the wrong type.
using System.Diagnostics.CodeAnalysis;

namespace Meridian.Formats.Gguf;

public sealed partial class GgufFile
{
    /// <summary>A string value.</summary>
    public string GetString(string key) => TryGetString(key, out var v) ? v : throw Missing(key);
    /// <summary>A string value, or false when the key is absent.</summary>
    public bool TryGetString(string key, [NotNullWhen(true)] out string? value)
    {
        value = null;
        if (!TryFind(key, out var v, out long at))
            return false;
        value = v.Type == GgufValueType.String ? v.AsString() : throw Mismatch(key, at, v, "string");
        return true;
    }

    /// <summary>Any integer value that fits in uint32.</summary>
    public uint GetUInt32(string key) => TryGetUInt32(key, out var v) ? v : throw Missing(key);
    /// <summary>Any integer value that fits in uint32, or false when the key is absent.</summary>
    public bool TryGetUInt32(string key, out uint value)
    {
        bool found = TryGetIntegerIn(key, uint.MinValue, uint.MaxValue, "uint32", out var v);
        value = (uint)v;
        return found;
    }

    /// <summary>Any integer value that fits in int32.</summary>
    public int GetInt32(string key) => TryGetInt32(key, out var v) ? v : throw Missing(key);
    /// <summary>Any integer value that fits in int32, or false when the key is absent.</summary>
    public bool TryGetInt32(string key, out int value)
    {
        bool found = TryGetIntegerIn(key, int.MinValue, int.MaxValue, "int32", out var v);
        value = (int)v;
        return found;
    }

    /// <summary>Any integer value that fits in int64.</summary>
    public long GetInt64(string key) => TryGetInt64(key, out var v) ? v : throw Missing(key);
    /// <summary>Any integer value that fits in int64, or false when the key is absent.</summary>
    public bool TryGetInt64(string key, out long value)
    {
        bool found = TryGetIntegerIn(key, long.MinValue, long.MaxValue, "int64", out var v);
        value = (long)v;
        return found;
    }

    /// <summary>Any integer value that fits in uint64.</summary>
    public ulong GetUInt64(string key) => TryGetUInt64(key, out var v) ? v : throw Missing(key);
    /// <summary>Any integer value that fits in uint64, or false when the key is absent.</summary>
    public bool TryGetUInt64(string key, out ulong value)
    {
        bool found = TryGetIntegerIn(key, ulong.MinValue, ulong.MaxValue, "uint64", out var v);
        value = (ulong)v;
        return found;
    }

    /// <summary>A float32 value, or a float64 rounded to float32.</summary>
    public float GetFloat32(string key) => TryGetFloat32(key, out var v) ? v : throw Missing(key);
    /// <summary>A float32 value, or a float64 rounded to float32; false when the key is absent.</summary>
    public bool TryGetFloat32(string key, out float value)
    {
        value = 0;
        if (!TryFind(key, out var v, out long at))
            return false;
        value = v.TryGetFloat64(out double d) ? (float)d : throw Mismatch(key, at, v, "float32 or float64");
        return true;
    }

    /// <summary>A bool value.</summary>
    public bool GetBool(string key) => TryGetBool(key, out var v) ? v : throw Missing(key);
    /// <summary>A bool value, or false (in the return) when the key is absent.</summary>
    public bool TryGetBool(string key, out bool value)
    {
        value = false;
        if (!TryFind(key, out var v, out long at))
            return false;
        value = v.Type == GgufValueType.Bool ? v.AsBool() : throw Mismatch(key, at, v, "bool");
        return true;
    }

    /// <summary>An array of strings.</summary>
    public IReadOnlyList<string> GetStringArray(string key) => TryGetStringArray(key, out var v) ? v : throw Missing(key);
    /// <summary>An array of strings, or false when the key is absent.</summary>
    public bool TryGetStringArray(string key, [NotNullWhen(true)] out IReadOnlyList<string>? value)
    {
        value = null;
        if (!TryFind(key, out var v, out long at))
            return false;
        value = v.ElementType == GgufValueType.String ? v.AsStringList() : throw Mismatch(key, at, v, "array[string]");
        return true;
    }

    /// <summary>A copy of a float32 array (a float64 array is rounded to float32).</summary>
    public float[] GetFloat32Array(string key) => TryGetFloat32Array(key, out var v) ? v : throw Missing(key);
    /// <summary>A copy of a float32 or float64 array as float32, or false when the key is absent.</summary>
    public bool TryGetFloat32Array(string key, [NotNullWhen(true)] out float[]? value)
    {
        value = null;
        if (!TryFind(key, out var v, out long at))
            return false;
        value = v.ElementType switch
        {
            GgufValueType.Float32 => v.AsSpan<float>().ToArray(),
            GgufValueType.Float64 => Array.ConvertAll(v.AsSpan<double>().ToArray(), d => (float)d),
            _ => throw Mismatch(key, at, v, "array[float32]"),
        };
        return true;
    }

    /// <summary>A copy of an array of any integer type whose every element fits in int32.</summary>
    public int[] GetInt32Array(string key) => TryGetInt32Array(key, out var v) ? v : throw Missing(key);
    /// <summary>A copy of an integer array as int32, or false when the key is absent.</summary>
    public bool TryGetInt32Array(string key, [NotNullWhen(true)] out int[]? value)
    {
        value = null;
        if (!TryFind(key, out var v, out long at))
            return false;
        if (!v.IsArray || !GgufValue.IsIntegerType(v.ElementType!.Value))
            throw Mismatch(key, at, v, "array[int32]");
        if (v.ElementType == GgufValueType.Int32)
        {
            value = v.AsSpan<int>().ToArray();
            return true;
        }
        value = new int[v.Length];
        for (int i = 0; i < value.Length; i++)
        {
            v.GetElement(i).TryGetInteger(out var e);
            if (e < int.MinValue || e > int.MaxValue)
                throw new GgufFormatException(Path, at, $"metadata key '{key}' element {i} is {e}, outside the range of int32");
            value[i] = (int)e;
        }
        return true;
    }

    /// <summary>An array value of any element type.</summary>
    public GgufValue GetArray(string key) => TryGetArray(key, out var v) ? v : throw Missing(key);
    /// <summary>An array value of any element type, or false when the key is absent.</summary>
    public bool TryGetArray(string key, [NotNullWhen(true)] out GgufValue? value)
    {
        value = null;
        if (!TryFind(key, out var v, out long at))
            return false;
        value = v.IsArray ? v : throw Mismatch(key, at, v, "an array");
        return true;
    }

    private bool TryGetIntegerIn(string key, Int128 min, Int128 max, string expected, out Int128 value)
    {
        value = 0;
        if (!TryFind(key, out var v, out long at))
            return false;
        if (!v.TryGetInteger(out value))
            throw Mismatch(key, at, v, $"{expected} (or any integer type that fits)");
        if (value < min || value > max)
            throw new GgufFormatException(Path, at, $"metadata key '{key}' is {v}, outside the range of {expected}");
        return true;
    }

    private bool TryFind(string key, [NotNullWhen(true)] out GgufValue? value, out long valueOffset)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_keys.TryGetValue(key, out int i))
        {
            value = _header.Metadata[i].Value;
            valueOffset = _header.ValueOffsets[i];
            return true;
        }
        value = null;
        valueOffset = -1;
        return false;
    }

    private GgufFormatException Mismatch(string key, long at, GgufValue actual, string expected) =>
        new(Path, at, $"metadata key '{key}' has type {actual.Describe()}, expected {expected}");
}
