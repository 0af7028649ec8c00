// Writes one .safetensors file. Layout follows the reference writer (huggingface/safetensors
// safetensors/src/tensor.rs, prepare()) so our files are byte-identical to save_file's.
using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Meridian.Formats.Safetensors;

/// <summary>
/// Collects tensors and metadata, then writes a safetensors file atomically (temp file, then
/// rename). The layout matches the reference writer: tensors ordered by dtype alignment, widest
/// first (F64/I64/U64, then 32-bit, ...), then by name in UTF-8 byte order, stored contiguously
/// in that order; compact JSON header with "__metadata__" first (its keys sorted, where the
/// reference's order is a hash map's), tensor fields in the order dtype, shape, data_offsets;
/// header padded with spaces to a multiple of 8 bytes.
/// </summary>
public sealed class SafetensorsWriter
{
    private readonly List<SafetensorsPendingTensor> _tensors = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _metadata = new(StringComparer.Ordinal);

    /// <summary>Number of tensors added.</summary>
    public int Count => _tensors.Count;

    /// <summary>Total tensor bytes added (the data section's length).</summary>
    public long DataLength { get; private set; }

    /// <summary>Sets a "__metadata__" entry (string to string), replacing an earlier value.</summary>
    public void AddMetadata(string key, string value)
    {
        SafetensorsPendingTensor.CheckMetadata(key, value);
        _metadata[key] = value;
    }

    /// <summary>
    /// Adds a tensor. <paramref name="data"/> must hold exactly the bytes of
    /// <paramref name="dtype"/> × <paramref name="shape"/> (row-major, little-endian); it is not
    /// copied, so keep it unchanged until <see cref="Write"/> returns.
    /// </summary>
    public void AddTensor(string name, SafetensorsDType dtype, ReadOnlySpan<long> shape, ReadOnlyMemory<byte> data) =>
        Add(SafetensorsPendingTensor.Create(name, dtype, shape, data));

    internal void Add(SafetensorsPendingTensor entry)
    {
        if (!_names.Add(entry.Name))
            throw new ArgumentException($"tensor '{entry.Name}' was already added", "name");
        _tensors.Add(entry);
        DataLength = checked(DataLength + entry.Data.Length);
    }

    /// <summary>
    /// Writes the file to a temporary name beside <paramref name="path"/>, flushes it to disk,
    /// then renames it over <paramref name="path"/>; on failure the temporary file is removed.
    /// </summary>
    public void Write(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var ordered = Ordered();
        byte[] header = BuildHeader(ordered);
        string full = System.IO.Path.GetFullPath(path);
        string temp = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(full)!, $".{System.IO.Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
                stream.Write(length);
                stream.Write(header);
                foreach (var t in ordered)
                    stream.Write(t.Data.Span);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>Tensors in file order: dtype alignment descending, then name in UTF-8 byte order.</summary>
    internal List<SafetensorsPendingTensor> Ordered()
    {
        var list = new List<SafetensorsPendingTensor>(_tensors);
        list.Sort((a, b) => a.DType != b.DType ? b.DType.CompareTo(a.DType) : SafetensorsPendingTensor.CompareUtf8(a.Name, b.Name));
        return list;
    }

    /// <summary>The JSON header, space-padded to a multiple of 8 bytes, for tensors in <paramref name="ordered"/> order.</summary>
    internal byte[] BuildHeader(List<SafetensorsPendingTensor> ordered)
    {
        var json = new StringBuilder();
        json.Append('{');
        bool first = true;
        if (_metadata.Count > 0)
        {
            json.Append("\"__metadata__\":{");
            var keys = _metadata.Keys.ToList();
            keys.Sort(SafetensorsPendingTensor.CompareUtf8);
            for (int i = 0; i < keys.Count; i++)
            {
                if (i > 0)
                    json.Append(',');
                AppendString(json, keys[i]);
                json.Append(':');
                AppendString(json, _metadata[keys[i]]);
            }
            json.Append('}');
            first = false;
        }
        long offset = 0;
        foreach (var t in ordered)
        {
            if (!first)
                json.Append(',');
            first = false;
            AppendString(json, t.Name);
            json.Append(":{\"dtype\":\"").Append(t.DType.HeaderName()).Append("\",\"shape\":[");
            json.AppendJoin(',', t.Shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
            long end = offset + t.Data.Length;
            json.Append(CultureInfo.InvariantCulture, $"],\"data_offsets\":[{offset},{end}]}}");
            offset = end;
        }
        json.Append('}');

        byte[] raw = SafetensorsPendingTensor.StrictUtf8.GetBytes(json.ToString());
        int padded = checked((raw.Length + 7) / 8 * 8);
        if (padded > SafetensorsHeaderParser.MaxHeaderBytes)
            throw new InvalidOperationException($"the header would be {padded} bytes, over the {SafetensorsHeaderParser.MaxHeaderBytes}-byte limit readers enforce");
        var header = new byte[padded];
        raw.CopyTo(header, 0);
        header.AsSpan(raw.Length).Fill((byte)' ');
        return header;
    }

    /// <summary>Appends a JSON string escaped as serde_json does: quote, backslash, \b\f\n\r\t, other controls as \u00xx.</summary>
    internal static void AppendString(StringBuilder json, string s)
    {
        json.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': json.Append("\\\""); break;
                case '\\': json.Append("\\\\"); break;
                case '\b': json.Append("\\b"); break;
                case '\f': json.Append("\\f"); break;
                case '\n': json.Append("\\n"); break;
                case '\r': json.Append("\\r"); break;
                case '\t': json.Append("\\t"); break;
                default:
                    if (c < 0x20)
                        json.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
                    else
                        json.Append(c);
                    break;
            }
        }
        json.Append('"');
    }
}
