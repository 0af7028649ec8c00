// Bounds-checked little-endian reader over a GGUF header. Every read checks the bytes remain
// first, and every failure is a GgufFormatException naming file, byte offset and context.
using System.Buffers.Binary;
using System.Text;

namespace Meridian.Formats.Gguf;

internal ref struct GgufCursor
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly string _path;

    public GgufCursor(ReadOnlySpan<byte> data, string path)
    {
        _data = data;
        _path = path;
    }

    /// <summary>Offset of the next byte to read (from the start of the file).</summary>
    public int Position { get; private set; }

    /// <summary>GGUF v1: counts, string lengths, array lengths and dimensions are u32, not u64.</summary>
    public bool IsV1 { get; set; }

    /// <summary>What is being read, appended to error messages ("metadata key 'x'", "tensor 'y'").</summary>
    public string? Context { get; set; }

    public readonly int Remaining => _data.Length - Position;

    /// <summary>Bytes a length or count prefix takes in this version.</summary>
    public readonly int CountSize => IsV1 ? 4 : 8;

    public readonly GgufFormatException Error(string message, long? at = null) =>
        new(_path, at ?? Position, Context is null ? message : $"{message} (reading {Context})");

    public ReadOnlySpan<byte> Bytes(int count, string what)
    {
        if (count < 0 || count > Remaining)
            throw Error($"truncated: {what} needs {count} bytes but only {Remaining} remain");
        var span = _data.Slice(Position, count);
        Position += count;
        return span;
    }

    public byte U8(string what) => Bytes(1, what)[0];

    public ushort U16(string what) => BinaryPrimitives.ReadUInt16LittleEndian(Bytes(2, what));

    public uint U32(string what) => BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4, what));

    public ulong U64(string what) => BinaryPrimitives.ReadUInt64LittleEndian(Bytes(8, what));

    /// <summary>A count or length prefix: u32 in v1, u64 from v2.</summary>
    public ulong Count(string what) => IsV1 ? U32(what) : U64(what);

    /// <summary>
    /// A length-prefixed UTF-8 string of at most <paramref name="maxBytes"/> bytes. The length is
    /// checked against the bytes left before anything is allocated. Invalid UTF-8 decodes to U+FFFD.
    /// </summary>
    public string String(string what, long maxBytes)
    {
        int at = Position;
        ulong length = Count($"length of {what}");
        if (length > (ulong)maxBytes)
            throw Error($"{what} claims {length} bytes, more than the limit of {maxBytes}", at);
        if (length > (ulong)Remaining)
            throw Error($"truncated: {what} claims {length} bytes but only {Remaining} remain", at);
        return Encoding.UTF8.GetString(Bytes((int)length, what));
    }
}
