// Hostile and corrupt GGUF headers: a small file made by GgufWriter, patched one field at a
// time. Each must fail with GgufFormatException naming the offset and the key or tensor, and
// without allocating what the file claims.
using System.Buffers.Binary;
using System.Text;
using Meridian.Core.Tensors;
using Meridian.Formats.Gguf;
using Meridian.Tests.Shared;

namespace Meridian.Formats.Tests.Gguf;

public sealed class GgufHostileFileTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    // Layout: 5 metadata entries, tensors t0 f32 [8, 2] (64 bytes, data offset 0) and t1 f32 [8]
    // (32 bytes, data offset 64). The data ends exactly at the end of the file (no padding).
    private static byte[] BaseFile()
    {
        var w = new GgufWriter()
            .Add("general.architecture", "llama")
            .Add("key.a", 1u)
            .Add("key.b", 2u)
            .Add("arr", ["x", "y"])
            .Add("nest", GgufValue.FromArray(new[] { GgufValue.FromArray(new int[] { 5, 6 }) }));
        w.AddTensor("t0", DType.F32, [8, 2], new byte[64]);
        w.AddTensor("t1", DType.F32, [8], Enumerable.Repeat((byte)1, 32).ToArray());
        var ms = new MemoryStream();
        w.WriteTo(ms);
        return ms.ToArray();
    }

    [Fact]
    public void Open_BaseFile_IsValid()
    {
        using var gguf = GgufFile.Open(Save(BaseFile()));
        Assert.Equal(2, gguf.Tensors.Count);
        Assert.Equal(gguf.DataOffset + 96, gguf.FileLength);
    }

    [Fact]
    public void Open_TruncatedAtEveryLength_ThrowsFormatException()
    {
        byte[] file = BaseFile();
        for (int n = 0; n < file.Length; n++)
        {
            var ex = Assert.Throws<GgufFormatException>(() => GgufFile.Open(Save(file[..n])).Dispose());
            Assert.Contains("at byte", ex.Message);
        }
    }

    [Fact]
    public void Open_Version2Header_ReadsLikeVersion3()
    {
        // v2 and v3 share the layout (v3 only added the big-endian note), so patching the
        // version field must give the same file contents.
        byte[] f = BaseFile();
        U32(f, 4, 2);
        using var gguf = GgufFile.Open(Save(f));
        Assert.Equal(2u, gguf.Version);
        Assert.Equal("llama", gguf.Architecture);
        Assert.Equal(Enumerable.Repeat((byte)1, 32), gguf.GetTensorData(gguf.GetTensor("t1")).ToArray());
    }

    [Fact]
    public void Open_WrongMagic_NamesMagic() =>
        Fails(f => "GGML"u8.CopyTo(f), "at byte 0: not a GGUF file");

    [Theory]
    [InlineData(0u, "unsupported GGUF version 0")]
    [InlineData(4u, "unsupported GGUF version 4")]
    [InlineData(0x03000000u, "version field reads 0x03000000: this looks like a big-endian GGUF file")]
    public void Open_BadVersion_Refused(uint version, string expected) =>
        Fails(f => U32(f, 4, version), "at byte 4: " + expected);

    [Fact]
    public void Open_AbsurdMetadataCount_RefusedBeforeAllocating() =>
        Fails(f => U64(f, 16, ulong.MaxValue / 3), "at byte 16: metadata count");

    [Fact]
    public void Open_AbsurdTensorCount_RefusedBeforeAllocating() =>
        Fails(f => U64(f, 8, 1UL << 40), "at byte 8: tensor count");

    [Fact]
    public void Open_AbsurdKeyLength_RefusedNamingEntry() =>
        Fails(f => U64(f, 24, 1UL << 62), "at byte 24: key claims", "metadata entry 0");

    [Fact]
    public void Open_KeyLongerThanSpecLimit_Refused() =>
        Fails(f => U64(f, 24, 70_000), "more than the limit of 65535");

    [Fact]
    public void Open_AbsurdStringValueLength_RefusedNamingKey()
    {
        byte[] f0 = BaseFile();
        int at = After(f0, "general.architecture") + 4;
        Fails(f => U64(f, at, long.MaxValue), $"at byte {at}: string value claims 9223372036854775807 bytes", "'general.architecture'");
    }

    [Fact]
    public void Open_AbsurdArrayLength_RefusedNamingKey()
    {
        int at = After(BaseFile(), "arr") + 8; // type Array (4), element type (4), then the count
        Fails(f => U64(f, at, 1UL << 60), $"at byte {at}: array of 1152921504606846976 string elements cannot fit", "'arr'");
    }

    [Fact]
    public void Open_AbsurdNestedArrayLength_RefusedNamingKey()
    {
        int at = After(BaseFile(), "nest") + 16; // Array, element Array, count, then inner element type
        Fails(f => U64(f, at + 4, uint.MaxValue), $"at byte {at + 4}: array of 4294967295 int32 elements", "'nest'");
    }

    [Fact]
    public void Open_NestedArraysTooDeep_Refused()
    {
        var value = GgufValue.FromArray(new[] { 1 });
        for (int i = 0; i < 8; i++)
            value = GgufValue.FromArray(new[] { value });
        var ms = new MemoryStream();
        new GgufWriter().Add("deep", value).WriteTo(ms);
        Fails(ms.ToArray(), f => { }, "nested more than 8 deep", "'deep'");
    }

    [Fact]
    public void Open_UnknownValueType_RefusedNamingKeyAndId()
    {
        int at = After(BaseFile(), "key.a");
        Fails(f => U32(f, at, 13), $"at byte {at}: unknown value type id 13", "'key.a'");
    }

    [Fact]
    public void Open_UnknownArrayElementType_RefusedNamingKey()
    {
        int at = After(BaseFile(), "arr") + 4;
        Fails(f => U32(f, at, 77), $"at byte {at}: unknown array element type id 77", "'arr'");
    }

    [Fact]
    public void Open_DuplicateKey_Refused()
    {
        int at = After(BaseFile(), "key.b") - 5;
        Fails(f => f[at + 4] = (byte)'a', "duplicate metadata key 'key.a'");
    }

    [Theory]
    [InlineData(48u)]
    [InlineData(0u)]
    public void Open_AlignmentNotPowerOfTwo_Refused(uint alignment)
    {
        var ms = new MemoryStream();
        new GgufWriter().SetAlignment(64).WriteTo(ms);
        Fails(ms.ToArray(), f => U32(f, After(f, "general.alignment") + 4, alignment), "'general.alignment'", "power of two");
    }

    [Fact]
    public void Open_UnknownTensorType_RefusedNamingTensorAndId() =>
        Fails(f => U32(f, TensorField(f, "t0", TypeField), 40), "unknown tensor type id 40", "'t0'");

    [Fact]
    public void Open_RemovedTensorType_Refused() =>
        Fails(f => U32(f, TensorField(f, "t1", TypeField), (uint)DType.Q4_3), "q4_3", "removed", "'t1'");

    [Theory]
    [InlineData(5u, "5 dimensions")]
    [InlineData(0u, "0 dimensions")]
    public void Open_BadDimensionCount_RefusedNamingTensor(uint nDims, string expected) =>
        Fails(f => U32(f, After(f, "t0"), nDims), expected, "'t0'");

    [Theory]
    [InlineData(ulong.MaxValue, "dimension 1 is -1")]
    [InlineData(0UL, "dimension 1 is 0")]
    public void Open_NegativeOrZeroDimension_RefusedNamingTensor(ulong ne, string expected) =>
        Fails(f => U64(f, After(f, "t0") + 4 + 8, ne), expected, "'t0'");

    [Fact]
    public void Open_ElementCountOverflow_Refused() => Fails(f =>
    {
        U64(f, After(f, "t0") + 4, 1UL << 40);
        U64(f, After(f, "t0") + 12, 1UL << 40);
    }, "more than 2^63-1 elements", "'t0'");

    [Fact]
    public void Open_ByteSizeOverflow_Refused() => Fails(f =>
    {
        U64(f, After(f, "t0") + 4, 1UL << 31); // 2^62 f32 elements fit a long; 2^64 bytes do not
        U64(f, After(f, "t0") + 12, 1UL << 31);
    }, "more than 2^63-1 bytes", "'t0'");

    [Fact]
    public void Open_RowNotMultipleOfBlockSize_Refused() =>
        Fails(f => U32(f, TensorField(f, "t0", TypeField), (uint)DType.Q8_0), "row length 8 is not a multiple of the q8_0 block size 32", "'t0'");

    [Fact]
    public void Open_OffsetNotAligned_Refused() =>
        Fails(f => U64(f, TensorField(f, "t1", OffsetField), 65), "offset 65 is not a multiple of the alignment 32", "'t1'");

    [Theory]
    [InlineData(1UL << 20)]
    [InlineData(long.MaxValue - 31)]
    public void Open_TensorDataPastEndOfFile_Refused(ulong offset) =>
        Fails(f => U64(f, TensorField(f, "t1", OffsetField), offset), "runs past the end of the file", "'t1'");

    [Fact]
    public void Open_OffsetAboveInt64_Refused() =>
        Fails(f => U64(f, TensorField(f, "t1", OffsetField), ulong.MaxValue - 31), "larger than 2^63-1", "'t1'");

    [Fact]
    public void Open_OverlappingTensors_RefusedNamingBoth() =>
        Fails(f => U64(f, TensorField(f, "t1", OffsetField), 32), "tensors 't0'", "'t1'", "overlap");

    [Fact]
    public void Open_DuplicateTensorName_Refused() =>
        Fails(f => f[After(f, "t1") - 1] = (byte)'0', "duplicate tensor name 't0'");

    [Fact]
    public void Open_TensorNameOverSpecLimit_Refused() =>
        Fails(f => U64(f, After(f, "t0") - 10, 1000), "tensor name claims 1000 bytes, more than the limit of 64");

    [Fact]
    public void Open_RandomCorruption_OnlyEverThrowsFormatException()
    {
        // Fuzz: 600 files with 1-4 random bytes overwritten in the header. Each either opens
        // (and its tensor data can be read) or fails with GgufFormatException; nothing else.
        byte[] original = BaseFile();
        int headerLength;
        using (var g = GgufFile.Open(Save(original)))
            headerLength = (int)g.DataOffset;
        var rng = new Random(1234);
        for (int i = 0; i < 600; i++)
        {
            byte[] f = (byte[])original.Clone();
            for (int k = rng.Next(1, 5); k > 0; k--)
                f[rng.Next(headerLength)] = (byte)rng.Next(256);
            try
            {
                using var g = GgufFile.Open(Save(f));
                foreach (var t in g.Tensors)
                    Assert.Equal(t.ByteSize, g.GetTensorData(t).Length);
            }
            catch (GgufFormatException) { }
        }
    }

    // Field positions inside a tensor info, relative to the end of its name; t0 has 2 dims, t1 one.
    private const int TypeField = 0, OffsetField = 1;

    private static int TensorField(byte[] f, string name, int field)
    {
        int at = After(f, name);
        int dims = (int)BinaryPrimitives.ReadUInt32LittleEndian(f.AsSpan(at));
        int type = at + 4 + 8 * dims;
        return field == TypeField ? type : type + 4;
    }

    // Offset just after the length-prefixed string s, which must occur exactly once.
    private static int After(byte[] f, string s)
    {
        byte[] pattern = new byte[8 + Encoding.UTF8.GetByteCount(s)];
        BinaryPrimitives.WriteUInt64LittleEndian(pattern, (ulong)(pattern.Length - 8));
        Encoding.UTF8.GetBytes(s, pattern.AsSpan(8));
        int i = f.AsSpan().IndexOf(pattern);
        Assert.True(i >= 0 && f.AsSpan(i + 1).IndexOf(pattern) < 0, $"'{s}' is not unique in the file");
        return i + pattern.Length;
    }

    private void Fails(Action<byte[]> patch, params string[] expected) => Fails(BaseFile(), patch, expected);

    private void Fails(byte[] file, Action<byte[]> patch, params string[] expected)
    {
        patch(file);
        string path = Save(file);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<GgufFormatException>(() => GgufFile.Open(path).Dispose());
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains(path, ex.Message);
        foreach (string s in expected)
            Assert.True(ex.Message.Contains(s, StringComparison.Ordinal), $"expected \"{s}\" in: {ex.Message}");
        // A few KB of objects for a ~400-byte file: nothing sized by a claimed count.
        Assert.True(allocated < 256 * 1024, $"opening allocated {allocated} bytes");
    }

    private string Save(byte[] bytes)
    {
        string path = _dir.File(Guid.NewGuid().ToString("N") + ".gguf");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static void U32(byte[] f, int at, uint v) => BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(at), v);
    private static void U64(byte[] f, int at, ulong v) => BinaryPrimitives.WriteUInt64LittleEndian(f.AsSpan(at), v);
}
