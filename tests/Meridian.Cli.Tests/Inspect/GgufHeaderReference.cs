// A minimal GGUF header reader written from the spec (ggml docs/gguf.md), independent of
// Meridian.Formats.Gguf: the oracle for the tensor list and metadata keys `inspect` reports.
// Trusts its input (test fixtures only); v1 differs from v2/v3 only in u32 counts and lengths.
using System.Text;

namespace Meridian.Cli.Tests.Inspect;

internal sealed record GgufHeaderReference(uint Version, IReadOnlyList<GgufHeaderReference.Kv> Metadata, IReadOnlyList<GgufHeaderReference.Tensor> Tensors)
{
    /// <param name="Type">GGUF type name as the spec spells it: "uint32", "string", "array[float32]".</param>
    /// <param name="Value">Scalar value (byte..ulong, float, double, bool, string); null for arrays.</param>
    /// <param name="ArrayLength">Element count for arrays, else -1.</param>
    internal sealed record Kv(string Key, string Type, object? Value, long ArrayLength);

    /// <param name="Ne">ggml ne: innermost dimension first.</param>
    /// <param name="Offset">Absolute byte offset of the data in the file.</param>
    internal sealed record Tensor(string Name, string Type, long[] Ne, long Offset, long Bytes);

    // GGUF value types 0..12, in spec order.
    private static readonly string[] ValueTypes =
        ["uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "bool", "string", "array", "uint64", "int64", "float64"];

    // ggml tensor types present in the fixtures: id -> (name, elements per block, bytes per block),
    // from ggml.c type_traits.
    private static readonly Dictionary<uint, (string Name, int Block, int Size)> TensorTypes = new()
    {
        [0] = ("f32", 1, 4), [1] = ("f16", 1, 2), [2] = ("q4_0", 32, 18), [3] = ("q4_1", 32, 20),
        [6] = ("q5_0", 32, 22), [7] = ("q5_1", 32, 24), [8] = ("q8_0", 32, 34), [10] = ("q2_K", 256, 84),
        [11] = ("q3_K", 256, 110), [12] = ("q4_K", 256, 144), [13] = ("q5_K", 256, 176), [14] = ("q6_K", 256, 210),
        [30] = ("bf16", 1, 2),
    };

    public static GgufHeaderReference Read(string path)
    {
        using var r = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
        Assert.Equal("GGUF"u8.ToArray(), r.ReadBytes(4));
        uint version = r.ReadUInt32();
        long Count() => version == 1 ? r.ReadUInt32() : checked((long)r.ReadUInt64());
        string Str() => Encoding.UTF8.GetString(r.ReadBytes(checked((int)Count())));
        object Scalar(uint type) => type switch
        {
            0 => r.ReadByte(), 1 => r.ReadSByte(), 2 => r.ReadUInt16(), 3 => r.ReadInt16(), 4 => r.ReadUInt32(),
            5 => r.ReadInt32(), 6 => r.ReadSingle(), 7 => r.ReadByte() != 0, 8 => Str(), 10 => r.ReadUInt64(),
            11 => r.ReadInt64(), 12 => r.ReadDouble(), _ => throw new InvalidDataException($"{path}: value type {type}"),
        };

        long tensorCount = Count(), kvCount = Count();
        var metadata = new List<Kv>();
        for (long i = 0; i < kvCount; i++)
        {
            string key = Str();
            uint type = r.ReadUInt32();
            if (type != 9)
            {
                metadata.Add(new Kv(key, ValueTypes[type], Scalar(type), -1));
                continue;
            }
            uint elementType = r.ReadUInt32();
            long n = Count();
            for (long j = 0; j < n; j++)
                Scalar(elementType); // nested arrays do not occur in the fixtures; Scalar throws on them
            metadata.Add(new Kv(key, $"array[{ValueTypes[elementType]}]", null, n));
        }

        var infos = new List<(string Name, uint Type, long[] Ne, long Offset)>();
        for (long i = 0; i < tensorCount; i++)
        {
            string name = Str();
            var ne = new long[r.ReadUInt32()];
            for (int d = 0; d < ne.Length; d++)
                ne[d] = Count();
            infos.Add((name, r.ReadUInt32(), ne, checked((long)r.ReadUInt64())));
        }

        // Tensor data starts at the next multiple of general.alignment (default 32) after the infos.
        long alignment = metadata.FirstOrDefault(kv => kv.Key == "general.alignment")?.Value is uint a ? a : 32;
        long dataStart = (r.BaseStream.Position + alignment - 1) / alignment * alignment;
        var tensors = infos.Select(t =>
        {
            var (typeName, block, size) = TensorTypes.TryGetValue(t.Type, out var tt) ? tt
                : throw new InvalidDataException($"{path}: tensor {t.Name} has ggml type {t.Type}, not in the test's table");
            long rows = t.Ne.Skip(1).Aggregate(1L, (p, d) => p * d);
            return new Tensor(t.Name, typeName, t.Ne, dataStart + t.Offset, t.Ne[0] / block * size * rows);
        }).ToList();
        return new GgufHeaderReference(version, metadata, tensors);
    }
}
