// Builds a GGUF v3 file: metadata in insertion order, tensors packed in insertion order with
// zero padding to the alignment, the same layout as ggml's gguf_write_to_file.
using Meridian.Core.Tensors;

namespace Meridian.Formats.Gguf;

/// <summary>
/// Writes GGUF v3 (little-endian). Add metadata and tensors, then <see cref="Write"/> or
/// <see cref="WriteTo"/>. Tensor data is either held as memory or produced by a callback at
/// write time, so a converter can stream a model without holding it. Inputs are validated as
/// they are added (duplicate keys or names, shapes, data sizes); nothing is written until then.
/// </summary>
public sealed partial class GgufWriter
{
    private readonly List<GgufMetadataEntry> _metadata = [];
    private readonly Dictionary<string, int> _keys = new(StringComparer.Ordinal);
    private readonly List<PendingTensor> _tensors = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    private sealed record PendingTensor(GgufTensorInfo Info, ReadOnlyMemory<byte> Data, Action<Stream>? Producer);

    /// <summary>Longest tensor name ggml loads (GGML_MAX_NAME is 64 including the terminator).</summary>
    public const int MaxTensorNameBytes = 63;

    /// <summary>Alignment of the data section: <c>general.alignment</c> when added, else 32.</summary>
    public uint Alignment => _keys.TryGetValue(GgufHeaderParser.AlignmentKey, out int i)
        ? (uint)_metadata[i].Value.Bits
        : GgufHeaderParser.DefaultAlignment;

    /// <summary>Metadata added so far, in order.</summary>
    public IReadOnlyList<GgufMetadataEntry> Metadata => _metadata.AsReadOnly();

    /// <summary>Tensors added so far, in order, with the data offsets they will have.</summary>
    public IReadOnlyList<GgufTensorInfo> Tensors => _tensors.Select(t => t.Info).ToList().AsReadOnly();

    /// <summary>
    /// Sets <c>general.alignment</c> (a power of two) as uint32, replacing an earlier value in
    /// place or appending it. Tensor offsets are recomputed.
    /// </summary>
    public GgufWriter SetAlignment(uint alignment)
    {
        var value = GgufValue.FromUInt32(alignment);
        CheckAlignment(value);
        if (_keys.TryGetValue(GgufHeaderParser.AlignmentKey, out int i))
            _metadata[i] = new GgufMetadataEntry(GgufHeaderParser.AlignmentKey, value);
        else
            Add(GgufHeaderParser.AlignmentKey, value);
        Relayout();
        return this;
    }

    /// <summary>Adds a metadata entry. Keys must be unique, non-empty, at most 65535 UTF-8 bytes.</summary>
    public GgufWriter Add(string key, GgufValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (System.Text.Encoding.UTF8.GetByteCount(key) > GgufHeaderParser.MaxKeyBytes)
            throw new ArgumentException($"metadata key '{key[..40]}...' is longer than {GgufHeaderParser.MaxKeyBytes} bytes", nameof(key));
        if (_keys.ContainsKey(key))
            throw new ArgumentException($"metadata key '{key}' was already added", nameof(key));
        if (key == GgufHeaderParser.AlignmentKey)
            CheckAlignment(value);
        _keys.Add(key, _metadata.Count);
        _metadata.Add(new GgufMetadataEntry(key, value));
        if (key == GgufHeaderParser.AlignmentKey)
            Relayout();
        return this;
    }

    /// <summary>Adds a string entry.</summary>
    public GgufWriter Add(string key, string value) => Add(key, GgufValue.FromString(value));
    /// <summary>Adds a uint32 entry.</summary>
    public GgufWriter Add(string key, uint value) => Add(key, GgufValue.FromUInt32(value));
    /// <summary>Adds an int32 entry.</summary>
    public GgufWriter Add(string key, int value) => Add(key, GgufValue.FromInt32(value));
    /// <summary>Adds a float32 entry.</summary>
    public GgufWriter Add(string key, float value) => Add(key, GgufValue.FromFloat32(value));
    /// <summary>Adds a bool entry.</summary>
    public GgufWriter Add(string key, bool value) => Add(key, GgufValue.FromBool(value));
    /// <summary>Adds a uint64 entry.</summary>
    public GgufWriter Add(string key, ulong value) => Add(key, GgufValue.FromUInt64(value));
    /// <summary>Adds an int64 entry.</summary>
    public GgufWriter Add(string key, long value) => Add(key, GgufValue.FromInt64(value));
    /// <summary>Adds a float64 entry.</summary>
    public GgufWriter Add(string key, double value) => Add(key, GgufValue.FromFloat64(value));
    /// <summary>Adds an array-of-strings entry.</summary>
    public GgufWriter Add(string key, string[] values) => Add(key, GgufValue.FromArray(values.AsSpan()));
    /// <summary>Adds an array-of-float32 entry.</summary>
    public GgufWriter Add(string key, float[] values) => Add(key, GgufValue.FromArray(values.AsSpan()));
    /// <summary>Adds an array-of-int32 entry.</summary>
    public GgufWriter Add(string key, int[] values) => Add(key, GgufValue.FromArray(values.AsSpan()));

    /// <summary>
    /// Adds a tensor whose bytes are <paramref name="data"/> (kept by reference until written).
    /// <paramref name="dims"/> is in GGUF order, row length first; the data must be exactly
    /// <c>type.ByteSize(elements)</c> bytes.
    /// </summary>
    public GgufWriter AddTensor(string name, DType type, long[] dims, ReadOnlyMemory<byte> data)
    {
        var info = Describe(name, type, dims);
        if (data.Length != info.ByteSize)
            throw new ArgumentException($"tensor '{name}' {type.Name()} {info.ShapeText} needs {info.ByteSize} bytes of data, got {data.Length}", nameof(data));
        return Append(info, data, null);
    }

    /// <summary>
    /// Adds a tensor whose bytes <paramref name="writeData"/> writes, when the file is written, to
    /// the stream it is given. It must write exactly <paramref name="byteCount"/> bytes, which must
    /// equal <c>type.ByteSize(elements)</c>.
    /// </summary>
    public GgufWriter AddTensor(string name, DType type, long[] dims, long byteCount, Action<Stream> writeData)
    {
        ArgumentNullException.ThrowIfNull(writeData);
        var info = Describe(name, type, dims);
        if (byteCount != info.ByteSize)
            throw new ArgumentException($"tensor '{name}' {type.Name()} {info.ShapeText} needs {info.ByteSize} bytes of data, declared {byteCount}", nameof(byteCount));
        return Append(info, ReadOnlyMemory<byte>.Empty, writeData);
    }

    private GgufWriter Append(GgufTensorInfo info, ReadOnlyMemory<byte> data, Action<Stream>? producer)
    {
        _names.Add(info.Name);
        _tensors.Add(new PendingTensor(info with { Offset = NextOffset(_tensors.Count) }, data, producer));
        return this;
    }

    // Validates a new tensor's name, type and shape; the offset is filled in by Append.
    private GgufTensorInfo Describe(string name, DType type, long[] dims)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(dims);
        if (System.Text.Encoding.UTF8.GetByteCount(name) > MaxTensorNameBytes)
            throw new ArgumentException($"tensor name '{name}' is longer than {MaxTensorNameBytes} UTF-8 bytes, which ggml cannot load", nameof(name));
        if (_names.Contains(name))
            throw new ArgumentException($"tensor '{name}' was already added", nameof(name));
        if (!DTypes.IsKnownId((uint)type) || type.Info().IsRemoved)
            throw new ArgumentException($"tensor '{name}' has type {type.Name()}, which has no GGUF layout", nameof(type));
        if (dims.Length is 0 or > GgufHeaderParser.MaxDimensions)
            throw new ArgumentException($"tensor '{name}' has {dims.Length} dimensions; GGUF tensors have 1 to {GgufHeaderParser.MaxDimensions}", nameof(dims));
        long elements = 1;
        foreach (long d in dims)
        {
            if (d < 1)
                throw new ArgumentException($"tensor '{name}' shape [{string.Join(", ", dims)}] has a dimension below 1", nameof(dims));
            elements = d <= long.MaxValue / elements ? elements * d
                : throw new ArgumentException($"tensor '{name}' shape [{string.Join(", ", dims)}] has more than 2^63-1 elements", nameof(dims));
        }
        var info = type.Info();
        if (dims[0] % info.BlockSize != 0)
            throw new ArgumentException($"tensor '{name}' row length {dims[0]} is not a multiple of the {info.Name} block size {info.BlockSize}", nameof(dims));
        long bytes;
        try { bytes = type.ByteSize(elements); }
        catch (OverflowException) { throw new ArgumentException($"tensor '{name}' is more than 2^63-1 bytes", nameof(dims)); }
        return new GgufTensorInfo(name, type, (long[])dims.Clone(), 0, elements, bytes);
    }

    private static void CheckAlignment(GgufValue value)
    {
        if (value.Type != GgufValueType.UInt32 || value.Bits == 0 || !ulong.IsPow2(value.Bits))
            throw new ArgumentException($"{GgufHeaderParser.AlignmentKey} must be a uint32 power of two, got {value}");
    }

    // Offset of tensor i when packed after tensors 0..i-1, each padded to the alignment.
    private long NextOffset(int i) =>
        i == 0 ? 0 : checked(_tensors[i - 1].Info.Offset + Pad(_tensors[i - 1].Info.ByteSize, Alignment));

    private void Relayout()
    {
        for (int i = 0; i < _tensors.Count; i++)
            _tensors[i] = _tensors[i] with { Info = _tensors[i].Info with { Offset = NextOffset(i) } };
    }

    private static long Pad(long n, uint alignment) => checked((n + alignment - 1) / alignment * alignment);
}
