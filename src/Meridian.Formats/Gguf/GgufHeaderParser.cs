// Parses and validates a GGUF header (v1-v3) from the mapped file. Hostile input ends in a
// GgufFormatException: every count is bounded by the bytes left before anything is allocated.
// Layout: docs/gguf.md in ggml; validation mirrors ggml's gguf.cpp where the spec is silent.
using System.Runtime.InteropServices;
using Meridian.Core.Tensors;

namespace Meridian.Formats.Gguf;

internal static partial class GgufHeaderParser
{
    public const uint Magic = 0x46554747;      // "GGUF" read as a little-endian u32
    public const uint DefaultAlignment = 32;
    public const int MaxDimensions = 4;        // GGML_MAX_DIMS
    public const int MaxKeyBytes = 65535;      // spec: keys are at most 2^16-1 bytes
    public const int MaxTensorNameBytes = 64;  // spec: names are at most 64 bytes
    public const int MaxArrayDepth = 8;        // nesting limit for arrays of arrays (ours; the spec has none)
    public const string AlignmentKey = "general.alignment";

    public static GgufHeader Parse(ReadOnlySpan<byte> data, long fileLength, string path)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("the GGUF reader needs a little-endian host");
        var c = new GgufCursor(data, path);
        ReadPreamble(ref c, out uint version, out ulong tensorCount, out ulong kvCount);

        var metadata = new List<GgufMetadataEntry>((int)kvCount);
        var valueOffsets = new List<long>((int)kvCount);
        var keyIndex = new Dictionary<string, int>((int)kvCount, StringComparer.Ordinal);
        for (int i = 0; i < (int)kvCount; i++)
        {
            c.Context = $"metadata entry {i}";
            int keyAt = c.Position;
            string key = c.String("key", MaxKeyBytes);
            c.Context = $"metadata key '{key}'";
            if (!keyIndex.TryAdd(key, i))
                throw c.Error($"duplicate metadata key '{key}' (also entry {keyIndex[key]})", keyAt);
            int typeAt = c.Position;
            var type = (GgufValueType)c.U32("value type");
            valueOffsets.Add(c.Position);
            metadata.Add(new GgufMetadataEntry(key, ReadValue(ref c, type, typeAt, depth: 0)));
        }
        c.Context = null;

        uint alignment = ReadAlignment(ref c, metadata, valueOffsets, keyIndex);
        var tensors = ReadTensorInfos(ref c, tensorCount, alignment, out var infoOffsets);

        long headerEnd = c.Position;
        long dataOffset = (headerEnd + alignment - 1) / alignment * alignment;
        CheckTensorPlacement(ref c, tensors, infoOffsets, dataOffset, fileLength);
        return new GgufHeader
        {
            Version = version, Alignment = alignment, DataOffset = dataOffset,
            Metadata = metadata, ValueOffsets = valueOffsets, Tensors = tensors,
        };
    }

    private static void ReadPreamble(ref GgufCursor c, out uint version, out ulong tensorCount, out ulong kvCount)
    {
        if (c.Remaining < 4)
            throw c.Error($"file is {c.Remaining} bytes, too short to be GGUF (no magic)");
        uint magic = c.U32("magic");
        if (magic != Magic)
        {
            var b = BitConverter.GetBytes(magic);
            throw c.Error($"not a GGUF file: magic is {Convert.ToHexString(b)} (\"{Printable(b)}\"), expected 47475546 (\"GGUF\")", 0);
        }
        version = c.U32("version");
        if (version != 0 && (version & 0xFFFF) == 0)
            throw c.Error($"version field reads 0x{version:X8}: this looks like a big-endian GGUF file, which Meridian does not read", 4);
        if (version is 0 or > 3)
            throw c.Error($"unsupported GGUF version {version}; Meridian reads versions 1 to 3", 4);
        c.IsV1 = version == 1;

        int countsAt = c.Position;
        tensorCount = c.Count("tensor count");
        kvCount = c.Count("metadata key-value count");
        // Each pair needs a key length, a type and at least one value byte; each tensor info a
        // name length, n_dims, one dimension, a type and an offset. Bound both before allocating.
        ulong minKv = (ulong)(c.CountSize + 4 + 1);
        ulong minTensor = (ulong)(c.CountSize + 4 + c.CountSize + 4 + 8);
        ulong left = (ulong)c.Remaining;
        if (kvCount > left / minKv)
            throw c.Error($"metadata count {kvCount} cannot fit in the {left} bytes left (each pair takes at least {minKv})", countsAt + c.CountSize);
        if (tensorCount > (left - kvCount * minKv) / minTensor)
            throw c.Error($"tensor count {tensorCount} cannot fit in the {left} bytes left (each tensor info takes at least {minTensor})", countsAt);
    }

    private static GgufValue ReadValue(ref GgufCursor c, GgufValueType type, int typeAt, int depth)
    {
        int size = GgufValue.FixedSize(type);
        if (size > 0)
        {
            var raw = c.Bytes(size, $"{GgufValue.TypeName(type)} value");
            ulong bits = size switch { 1 => raw[0], 2 => MemoryMarshal.Read<ushort>(raw), 4 => MemoryMarshal.Read<uint>(raw), _ => MemoryMarshal.Read<ulong>(raw) };
            if (type == GgufValueType.Bool)
                bits = bits != 0 ? 1UL : 0UL;
            return GgufValue.FromBits(type, bits);
        }
        return type switch
        {
            GgufValueType.String => GgufValue.FromString(c.String("string value", int.MaxValue)),
            GgufValueType.Array => ReadArray(ref c, depth + 1),
            _ => throw c.Error($"unknown value type id {(uint)type} (valid ids are 0 to 12)", typeAt),
        };
    }

    private static GgufValue ReadArray(ref GgufCursor c, int depth)
    {
        int at = c.Position;
        if (depth > MaxArrayDepth)
            throw c.Error($"arrays nested more than {MaxArrayDepth} deep", at);
        var et = (GgufValueType)c.U32("array element type");
        if (!Enum.IsDefined(et))
            throw c.Error($"unknown array element type id {(uint)et} (valid ids are 0 to 12)", at);
        ulong n = c.Count("array length");
        int fixedSize = GgufValue.FixedSize(et);
        int minSize = fixedSize > 0 ? fixedSize : et == GgufValueType.String ? c.CountSize : 4 + c.CountSize;
        if (n > (ulong)(c.Remaining / minSize))
            throw c.Error($"array of {n} {GgufValue.TypeName(et)} elements cannot fit in the {c.Remaining} bytes left (each takes at least {minSize})", at + 4);
        int count = (int)n;
        Array items = et switch
        {
            GgufValueType.UInt8 => Blittable<byte>(ref c, count),
            GgufValueType.Int8 => Blittable<sbyte>(ref c, count),
            GgufValueType.UInt16 => Blittable<ushort>(ref c, count),
            GgufValueType.Int16 => Blittable<short>(ref c, count),
            GgufValueType.UInt32 => Blittable<uint>(ref c, count),
            GgufValueType.Int32 => Blittable<int>(ref c, count),
            GgufValueType.Float32 => Blittable<float>(ref c, count),
            GgufValueType.UInt64 => Blittable<ulong>(ref c, count),
            GgufValueType.Int64 => Blittable<long>(ref c, count),
            GgufValueType.Float64 => Blittable<double>(ref c, count),
            GgufValueType.Bool => Bools(ref c, count),
            GgufValueType.String => Strings(ref c, count),
            _ => Nested(ref c, count, depth),
        };
        return GgufValue.WrapArray(et, items);
    }

    private static unsafe T[] Blittable<T>(ref GgufCursor c, int count) where T : unmanaged =>
        MemoryMarshal.Cast<byte, T>(c.Bytes(count * sizeof(T), $"array of {count} elements")).ToArray();

    private static bool[] Bools(ref GgufCursor c, int count)
    {
        var raw = c.Bytes(count, $"array of {count} bools");
        var items = new bool[count];
        for (int i = 0; i < count; i++)
            items[i] = raw[i] != 0;
        return items;
    }

    private static string[] Strings(ref GgufCursor c, int count)
    {
        var items = new string[count];
        for (int i = 0; i < count; i++)
            items[i] = c.String($"string element {i}", int.MaxValue);
        return items;
    }

    private static GgufValue[] Nested(ref GgufCursor c, int count, int depth)
    {
        var items = new GgufValue[count];
        for (int i = 0; i < count; i++)
            items[i] = ReadArray(ref c, depth + 1);
        return items;
    }

    private static uint ReadAlignment(ref GgufCursor c, List<GgufMetadataEntry> metadata, List<long> valueOffsets, Dictionary<string, int> keyIndex)
    {
        if (!keyIndex.TryGetValue(AlignmentKey, out int index))
            return DefaultAlignment;
        var value = metadata[index].Value;
        long at = valueOffsets[index];
        if (!value.TryGetInteger(out var a))
            throw c.Error($"metadata key '{AlignmentKey}' has type {value.Describe()}, expected uint32", at);
        if (a <= 0 || a > uint.MaxValue || !ulong.IsPow2((ulong)a))
            throw c.Error($"metadata key '{AlignmentKey}' is {a}; the alignment must be a power of two between 1 and 2^31", at);
        return (uint)a;
    }

    private static string Printable(byte[] b) =>
        new(b.Select(x => x is >= 0x20 and < 0x7f ? (char)x : '?').ToArray());
}
