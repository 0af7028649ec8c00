// Parses and validates the JSON header of a safetensors file, following the reference's rules
// (huggingface/safetensors safetensors/src/tensor.rs, Metadata::validate and read_metadata):
// tensors sorted by data_offsets must tile the data section exactly, with no gap, overlap or tail.
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Meridian.Formats.Safetensors;

/// <summary>The validated content of a header.</summary>
internal sealed record SafetensorsHeader(IReadOnlyDictionary<string, string> Metadata, IReadOnlyList<SafetensorsTensorInfo> Tensors);

internal static class SafetensorsHeaderParser
{
    /// <summary>The reference refuses headers over 100 MB (MAX_HEADER_SIZE); so do we.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>Byte offset of the JSON header in the file: after the u64 length.</summary>
    public const long HeaderStart = 8;

    /// <summary>
    /// Parses <paramref name="json"/> (the header bytes, file bytes [8, 8+n)) and checks every
    /// tensor against a data section of <paramref name="dataLength"/> bytes.
    /// </summary>
    public static SafetensorsHeader Parse(string path, ReadOnlySpan<byte> json, long dataLength)
    {
        long dataStart = HeaderStart + json.Length;
        CheckUtf8(path, json);
        if (json.Length >= 3 && json[0] == 0xEF && json[1] == 0xBB && json[2] == 0xBF)
            throw new SafetensorsFormatException(path, "header starts with a UTF-8 byte order mark, which is not JSON", byteOffset: HeaderStart);

        JsonDocument doc;
        try
        {
            // The copy is bounded by the real header bytes (at most MaxHeaderBytes), not a claim.
            doc = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            long? at = e.LineNumber == 0 && e.BytePositionInLine is long b ? HeaderStart + b : null;
            throw new SafetensorsFormatException(path, $"header is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1} of that line): {e.Message}", byteOffset: at, inner: e);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new SafetensorsFormatException(path, $"header must be a JSON object, found {root.ValueKind}", byteOffset: HeaderStart);

            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var tensors = new List<SafetensorsTensorInfo>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var prop in root.EnumerateObject())
            {
                if (!seen.Add(prop.Name))
                    throw new SafetensorsFormatException(path, "key appears twice in the header", tensorName: prop.Name);
                if (prop.Name == "__metadata__")
                    ReadMetadata(path, prop.Value, metadata);
                else
                    tensors.Add(ReadTensor(path, prop.Name, prop.Value, dataStart, dataLength));
            }

            CheckCoverage(path, tensors, dataStart, dataLength);
            return new SafetensorsHeader(metadata, tensors);
        }
    }

    private static void CheckUtf8(string path, ReadOnlySpan<byte> json)
    {
        if (Utf8.IsValid(json))
            return;
        // Find the first bad sequence only on the error path, to name its offset.
        int i = 0;
        while (i < json.Length)
        {
            if (System.Text.Rune.DecodeFromUtf8(json[i..], out _, out int used) != System.Buffers.OperationStatus.Done)
                break;
            i += used;
        }
        throw new SafetensorsFormatException(path, "header is not valid UTF-8", byteOffset: HeaderStart + i);
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        // The reference types it HashMap<String, String>: any non-string value is an error.
        if (value.ValueKind != JsonValueKind.Object)
            throw new SafetensorsFormatException(path, $"__metadata__ must be an object of strings, found {value.ValueKind}");
        foreach (var entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw new SafetensorsFormatException(path, $"__metadata__ key '{entry.Name}' must be a string, found {entry.Value.ValueKind}");
            if (!metadata.TryAdd(entry.Name, entry.Value.GetString()!))
                throw new SafetensorsFormatException(path, $"__metadata__ key '{entry.Name}' appears twice");
        }
    }

    private static SafetensorsTensorInfo ReadTensor(string path, string name, JsonElement value, long dataStart, long dataLength)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new SafetensorsFormatException(path, $"entry must be an object with dtype, shape and data_offsets, found {value.ValueKind}", name);

        JsonElement? dtypeEl = null, shapeEl = null, offsetsEl = null;
        var fields = new HashSet<string>(StringComparer.Ordinal);
        foreach (var field in value.EnumerateObject())
        {
            if (!fields.Add(field.Name))
                throw new SafetensorsFormatException(path, $"field '{field.Name}' appears twice", name);
            switch (field.Name)
            {
                case "dtype": dtypeEl = field.Value; break;
                case "shape": shapeEl = field.Value; break;
                case "data_offsets": offsetsEl = field.Value; break;
                default: break; // the reference ignores unknown fields
            }
        }

        if (dtypeEl is not { } d || d.ValueKind != JsonValueKind.String)
            throw new SafetensorsFormatException(path, "'dtype' is missing or not a string", name);
        string dtypeName = d.GetString()!;
        if (!SafetensorsDTypes.TryParse(dtypeName, out var dtype))
            throw new SafetensorsFormatException(path, $"unknown dtype '{dtypeName}'", name);

        long[] shape = ReadIntegers(path, name, "shape", shapeEl);
        long[] offsets = ReadIntegers(path, name, "data_offsets", offsetsEl);
        if (offsets.Length != 2)
            throw new SafetensorsFormatException(path, $"'data_offsets' must hold 2 integers, found {offsets.Length}", name);
        long begin = offsets[0], end = offsets[1];

        long? size = SafetensorsDTypes.TryByteSize(dtype, shape, out string? why);
        if (size is null)
            throw new SafetensorsFormatException(path, $"shape [{string.Join(", ", shape)}] of {dtypeName}: {why}", name);
        if (end < begin)
            throw new SafetensorsFormatException(path, $"data_offsets [{begin}, {end}] end before they begin", name);
        if (end > dataLength)
            throw new SafetensorsFormatException(path, $"data_offsets [{begin}, {end}] run past the end of the {dataLength}-byte data section", name, dataStart + Math.Min(begin, dataLength));
        if (end - begin != size)
            throw new SafetensorsFormatException(path, $"data_offsets [{begin}, {end}] span {end - begin} bytes but {dtypeName} [{string.Join(", ", shape)}] needs {size}", name, dataStart + begin);
        return new SafetensorsTensorInfo(name, dtype, shape, begin, end);
    }

    /// <summary>Reads a JSON array of non-negative integers (the reference's Vec&lt;usize&gt;).</summary>
    private static long[] ReadIntegers(string path, string tensor, string field, JsonElement? element)
    {
        if (element is not { } array || array.ValueKind != JsonValueKind.Array)
            throw new SafetensorsFormatException(path, $"'{field}' is missing or not an array", tensor);
        var values = new long[array.GetArrayLength()];
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long v))
                throw new SafetensorsFormatException(path, $"'{field}'[{i}] = {item.GetRawText()} is not an integer that fits 64 bits", tensor);
            if (v < 0)
                throw new SafetensorsFormatException(path, $"'{field}'[{i}] = {v} is negative", tensor);
            values[i++] = v;
        }
        return values;
    }

    /// <summary>Sorted by offset, tensors must tile [0, dataLength) exactly: no gap, no overlap, no tail.</summary>
    private static void CheckCoverage(string path, List<SafetensorsTensorInfo> tensors, long dataStart, long dataLength)
    {
        tensors.Sort((a, b) => a.DataBegin != b.DataBegin ? a.DataBegin.CompareTo(b.DataBegin) : a.DataEnd.CompareTo(b.DataEnd));
        long expected = 0;
        SafetensorsTensorInfo? previous = null;
        foreach (var t in tensors)
        {
            if (t.DataBegin > expected)
                throw new SafetensorsFormatException(path, $"gap: data_offsets begin at {t.DataBegin} but the previous tensor{Named(previous)} ends at {expected}; tensors must be contiguous", t.Name, dataStart + expected);
            if (t.DataBegin < expected)
                throw new SafetensorsFormatException(path, $"overlap: data_offsets begin at {t.DataBegin}, inside the previous tensor{Named(previous)} which ends at {expected}", t.Name, dataStart + t.DataBegin);
            expected = t.DataEnd;
            previous = t;
        }
        if (expected != dataLength)
            throw new SafetensorsFormatException(path, $"tensors cover {expected} bytes of data but the data section holds {dataLength}; the file must be covered exactly", byteOffset: dataStart + expected);
    }

    private static string Named(SafetensorsTensorInfo? t) => t is null ? "" : $" '{t.Name}'";
}
