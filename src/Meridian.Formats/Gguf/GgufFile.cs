// A GGUF model file opened for reading: validated header (metadata, tensor infos) parsed eagerly,
// tensor data served as spans into a read-only memory map, never copied.
using System.Diagnostics.CodeAnalysis;
using Meridian.Core;
using Meridian.Formats.IO;

namespace Meridian.Formats.Gguf;

/// <summary>
/// A GGUF file (versions 1 to 3, little-endian). <see cref="Open"/> reads and validates the
/// whole header; a malformed or hostile file throws <see cref="GgufFormatException"/> naming
/// the byte offset and key or tensor at fault. Tensor data stays in the memory map; spans and
/// pointers handed out are valid until <see cref="Dispose"/>.
/// </summary>
public sealed partial class GgufFile : IDisposable
{
    private readonly MappedFile _file;
    private readonly GgufHeader _header;
    private readonly Dictionary<string, int> _keys;
    private readonly Dictionary<string, GgufTensorInfo> _tensors;

    private GgufFile(MappedFile file, GgufHeader header)
    {
        _file = file;
        _header = header;
        _keys = new Dictionary<string, int>(header.Metadata.Count, StringComparer.Ordinal);
        for (int i = 0; i < header.Metadata.Count; i++)
            _keys.Add(header.Metadata[i].Key, i);
        _tensors = header.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        Metadata = header.Metadata.AsReadOnly();
        Tensors = header.Tensors.AsReadOnly();
        Architecture = TryGetString("general.architecture", out var arch) ? arch : null;
    }

    /// <summary>Opens and validates <paramref name="path"/>. A missing file is a <see cref="FileNotFoundException"/>.</summary>
    public static GgufFile Open(string path)
    {
        var file = MappedFile.Open(path);
        try
        {
            var header = GgufHeaderParser.Parse(file.Span(0, Math.Min(file.Length, int.MaxValue)), file.Length, path);
            return new GgufFile(file, header);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>The file's path as given to <see cref="Open"/>.</summary>
    public string Path => _file.Path;

    /// <summary>File length in bytes.</summary>
    public long FileLength => _file.Length;

    /// <summary>GGUF version (1, 2 or 3).</summary>
    public uint Version => _header.Version;

    /// <summary>Alignment of the data section and of every tensor offset: <c>general.alignment</c>, or 32.</summary>
    public uint Alignment => _header.Alignment;

    /// <summary>Absolute file offset where the tensor data section starts.</summary>
    public long DataOffset => _header.DataOffset;

    /// <summary>Every metadata entry, in file order.</summary>
    public IReadOnlyList<GgufMetadataEntry> Metadata { get; }

    /// <summary>Every tensor, in header order.</summary>
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }

    /// <summary><c>general.architecture</c> ("llama", "qwen2", ...), or null when absent.</summary>
    public string? Architecture { get; }

    /// <summary>Whether the metadata has <paramref name="key"/>.</summary>
    public bool ContainsKey(string key) => _keys.ContainsKey(key);

    /// <summary>The value of <paramref name="key"/>, or false when absent.</summary>
    public bool TryGetValue(string key, [NotNullWhen(true)] out GgufValue? value)
    {
        value = _keys.TryGetValue(key, out int i) ? _header.Metadata[i].Value : null;
        return value is not null;
    }

    /// <summary>The value of <paramref name="key"/>; throws <see cref="GgufKeyNotFoundException"/> when absent.</summary>
    public GgufValue GetValue(string key) => TryGetValue(key, out var v) ? v : throw Missing(key);

    /// <summary>The tensor called <paramref name="name"/>, or false when absent.</summary>
    public bool TryGetTensor(string name, [NotNullWhen(true)] out GgufTensorInfo? info) => _tensors.TryGetValue(name, out info);

    /// <summary>The tensor called <paramref name="name"/>; throws <see cref="ModelFormatException"/> naming it when absent.</summary>
    public GgufTensorInfo GetTensor(string name) =>
        _tensors.TryGetValue(name, out var info)
            ? info
            : throw new ModelFormatException($"{Path}: required tensor '{name}' is not in the file ({_tensors.Count} tensors)");

    /// <summary>
    /// The bytes of <paramref name="info"/> (a tensor of this file) in the memory map, without copying.
    /// Tensors over 2 GiB do not fit a span: use <see cref="GetTensorPointer"/>.
    /// </summary>
    public ReadOnlySpan<byte> GetTensorData(GgufTensorInfo info) => _file.Span(AbsoluteOffset(info), info.ByteSize);

    /// <summary>Pointer to the first byte of <paramref name="info"/>'s data; valid until <see cref="Dispose"/>.</summary>
    public unsafe byte* GetTensorPointer(GgufTensorInfo info) => _file.Pointer(AbsoluteOffset(info), info.ByteSize);

    /// <summary>Absolute file offset of <paramref name="info"/>'s data.</summary>
    public long AbsoluteOffset(GgufTensorInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (!_tensors.TryGetValue(info.Name, out var own) || !own.Equals(info))
            throw new ArgumentException($"tensor '{info.Name}' does not belong to {Path}", nameof(info));
        return DataOffset + info.Offset;
    }

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();

    private GgufKeyNotFoundException Missing(string key) => new(Path, key);
}
