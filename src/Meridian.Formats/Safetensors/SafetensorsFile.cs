// Reader for one .safetensors file: u64 header length, JSON header, then raw tensor bytes,
// memory-mapped and handed out without copying. Format: https://github.com/huggingface/safetensors#format
using System.Buffers.Binary;
using Meridian.Formats.IO;

namespace Meridian.Formats.Safetensors;

/// <summary>
/// An open safetensors file. Opening reads and validates the header only; tensor bytes are
/// views into a read-only memory map, valid until <see cref="Dispose"/>. Known limit:
/// <see cref="GetTensorData"/> returns a span, so one tensor over 2 GiB is refused there.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    private readonly MappedFile _map;
    private readonly Dictionary<string, SafetensorsTensorInfo> _byName;

    private SafetensorsFile(MappedFile map, long headerLength, SafetensorsHeader header)
    {
        _map = map;
        HeaderLength = headerLength;
        Metadata = header.Metadata;
        Tensors = header.Tensors;
        _byName = new Dictionary<string, SafetensorsTensorInfo>(Tensors.Count, StringComparer.Ordinal);
        foreach (var t in Tensors)
            _byName.Add(t.Name, t);
    }

    /// <summary>The file's path as given to <see cref="Open"/>.</summary>
    public string Path => _map.Path;

    /// <summary>Length of the JSON header in bytes (the leading u64).</summary>
    public long HeaderLength { get; }

    /// <summary>Absolute file offset of the data section: 8 + <see cref="HeaderLength"/>.</summary>
    public long DataStart => SafetensorsHeaderParser.HeaderStart + HeaderLength;

    /// <summary>The header's "__metadata__" (string to string); empty when absent.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>All tensors, in data-offset order.</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors { get; }

    /// <summary>
    /// Maps and validates <paramref name="path"/>. Throws <see cref="SafetensorsFormatException"/>
    /// for a malformed file and <see cref="FileNotFoundException"/> when it does not exist.
    /// </summary>
    public static SafetensorsFile Open(string path)
    {
        var map = MappedFile.Open(path);
        try
        {
            long fileLength = map.Length;
            if (fileLength < SafetensorsHeaderParser.HeaderStart)
                throw new SafetensorsFormatException(path, $"file is {fileLength} bytes, too short for the 8-byte header length", byteOffset: 0);
            ulong n = BinaryPrimitives.ReadUInt64LittleEndian(map.Span(0, 8));
            if (n > SafetensorsHeaderParser.MaxHeaderBytes)
                throw new SafetensorsFormatException(path, $"header length {n} exceeds the {SafetensorsHeaderParser.MaxHeaderBytes}-byte limit", byteOffset: 0);
            long headerLength = (long)n;
            if (headerLength > fileLength - SafetensorsHeaderParser.HeaderStart)
                throw new SafetensorsFormatException(path, $"header length {n} runs past the end of the {fileLength}-byte file", byteOffset: 0);

            var json = map.Span(SafetensorsHeaderParser.HeaderStart, headerLength);
            long dataLength = fileLength - SafetensorsHeaderParser.HeaderStart - headerLength;
            var header = SafetensorsHeaderParser.Parse(path, json, dataLength);
            return new SafetensorsFile(map, headerLength, header);
        }
        catch
        {
            map.Dispose();
            throw;
        }
    }

    /// <summary>The tensor named <paramref name="name"/>; <see cref="KeyNotFoundException"/> naming it when absent.</summary>
    public SafetensorsTensorInfo GetTensor(string name) =>
        _byName.TryGetValue(name, out var info) ? info : throw new KeyNotFoundException($"{Path}: no tensor named '{name}'");

    /// <summary>Looks a tensor up by name.</summary>
    public bool TryGetTensor(string name, out SafetensorsTensorInfo info) =>
        _byName.TryGetValue(name, out info!);

    /// <summary>The tensor's raw little-endian bytes, a view into the map (no copy).</summary>
    public ReadOnlySpan<byte> GetTensorData(string name) => GetTensorData(GetTensor(name));

    /// <summary>The bytes of a tensor of this file, a view into the map (no copy).</summary>
    public ReadOnlySpan<byte> GetTensorData(SafetensorsTensorInfo tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!_byName.TryGetValue(tensor.Name, out var own) || !ReferenceEquals(own, tensor))
            throw new ArgumentException($"tensor '{tensor.Name}' does not belong to {Path}", nameof(tensor));
        return _map.Span(DataStart + tensor.DataBegin, tensor.ByteLength);
    }

    /// <inheritdoc />
    public void Dispose() => _map.Dispose();
}
