// GgufWriter: exact bytes against a hand encoding, input validation, streaming callbacks,
// and the atomic-rename guarantee of Write(path).
using System.Text;
using Meridian.Core.Tensors;
using Meridian.Formats.Gguf;
using Meridian.Tests.Shared;

namespace Meridian.Formats.Tests.Gguf;

public class GgufWriterTests
{
    [Fact]
    public void WriteTo_OneKeyTwoTensors_BytesMatchHandEncoding()
    {
        float[] a = [1, 2, 3];           // 12 bytes -> padded to 32
        float[] b = [4, 5, 6, 7, 8, 9, 10, 11]; // 32 bytes, starts at data offset 32
        var writer = new GgufWriter().Add("k", 7u);
        writer.AddTensor("a", DType.F32, [3], ToBytes(a));
        writer.AddTensor("b", DType.F32, [4, 2], ToBytes(b));
        var actual = new MemoryStream();
        writer.WriteTo(actual);

        // Hand encoding of GGUF v3 (docs/gguf.md): header, kv, tensor infos, pad, data.
        var e = new MemoryStream();
        var w = new BinaryWriter(e);
        w.Write("GGUF"u8); w.Write(3u); w.Write(2UL); w.Write(1UL);
        w.Write(1UL); w.Write("k"u8); w.Write(4u); w.Write(7u);                       // uint32 k = 7
        w.Write(1UL); w.Write("a"u8); w.Write(1u); w.Write(3UL); w.Write(0u); w.Write(0UL);
        w.Write(1UL); w.Write("b"u8); w.Write(2u); w.Write(4UL); w.Write(2UL); w.Write(0u); w.Write(32UL);
        while (e.Length % 32 != 0) w.Write((byte)0);
        w.Write(ToBytes(a)); w.Write(new byte[20]); w.Write(ToBytes(b));
        w.Flush();
        Assert.Equal(e.ToArray(), actual.ToArray());
    }

    [Fact]
    public void SetAlignment_AfterTensors_RecomputesOffsetsAndWritesKey()
    {
        var writer = new GgufWriter();
        writer.AddTensor("a", DType.F32, [3], new byte[12]);
        writer.AddTensor("b", DType.F32, [3], new byte[12]);
        Assert.Equal(32, writer.Tensors[1].Offset);
        writer.SetAlignment(128);
        Assert.Equal(128, writer.Tensors[1].Offset);
        Assert.Equal(GgufValue.FromUInt32(128), writer.Metadata.Single(m => m.Key == "general.alignment").Value);
        writer.SetAlignment(16);
        Assert.Single(writer.Metadata);
        Assert.Equal(16u, writer.Alignment);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(48u)]
    public void SetAlignment_NotPowerOfTwo_Throws(uint alignment) =>
        Assert.Throws<ArgumentException>(() => new GgufWriter().SetAlignment(alignment));

    [Fact]
    public void Add_AlignmentAsWrongType_Throws() =>
        Assert.Throws<ArgumentException>(() => new GgufWriter().Add("general.alignment", 32UL));

    [Fact]
    public void Add_DuplicateKey_ThrowsNamingKey()
    {
        var writer = new GgufWriter().Add("x.y", 1);
        var ex = Assert.Throws<ArgumentException>(() => writer.Add("x.y", "again"));
        Assert.Contains("'x.y'", ex.Message);
    }

    [Fact]
    public void AddTensor_DuplicateName_ThrowsNamingTensor()
    {
        var writer = new GgufWriter().AddTensor("w", DType.F32, [1], new byte[4]);
        var ex = Assert.Throws<ArgumentException>(() => writer.AddTensor("w", DType.F32, [1], new byte[4]));
        Assert.Contains("'w'", ex.Message);
    }

    [Theory]
    [InlineData(DType.F32, new long[] { 4 }, 15)]       // 4 f32 = 16 bytes
    [InlineData(DType.Q8_0, new long[] { 32, 2 }, 34)]  // 2 blocks of 34 bytes = 68
    [InlineData(DType.Q4_K, new long[] { 256 }, 145)]   // 1 block of 144 bytes
    public void AddTensor_DataSizeNotByteSize_ThrowsNamingTensor(DType type, long[] dims, int bytes)
    {
        var ex = Assert.Throws<ArgumentException>(() => new GgufWriter().AddTensor("t.x", type, dims, new byte[bytes]));
        Assert.Contains("'t.x'", ex.Message);
    }

    [Theory]
    [InlineData(DType.Q8_0, new long[] { 48 })]         // 48 is not a multiple of 32
    [InlineData(DType.F32, new long[] { })]
    [InlineData(DType.F32, new long[] { 1, 1, 1, 1, 1 })]
    [InlineData(DType.F32, new long[] { 0 })]
    [InlineData(DType.F32, new long[] { 4, -1 })]
    [InlineData(DType.F32, new long[] { 1L << 32, 1L << 32 })]
    [InlineData(DType.Q4_2, new long[] { 32 })]         // removed from ggml
    [InlineData((DType)99, new long[] { 1 })]
    public void AddTensor_InvalidTypeOrShape_Throws(DType type, long[] dims) =>
        Assert.Throws<ArgumentException>(() => new GgufWriter().AddTensor("t", type, dims, 0, _ => { }));

    [Fact]
    public void AddTensor_NameOf64Bytes_ThrowsBecauseGgmlCannotLoadIt()
    {
        new GgufWriter().AddTensor(new string('n', 63), DType.F32, [1], new byte[4]);
        Assert.Throws<ArgumentException>(() => new GgufWriter().AddTensor(new string('n', 64), DType.F32, [1], new byte[4]));
    }

    [Theory]
    [InlineData(15)]
    [InlineData(17)]
    public void WriteTo_CallbackWritesWrongByteCount_ThrowsNamingTensor(int written)
    {
        var writer = new GgufWriter().AddTensor("s", DType.F32, [4], 16, s => s.Write(new byte[written]));
        var ex = Assert.Throws<InvalidOperationException>(() => writer.WriteTo(new MemoryStream()));
        Assert.Contains("'s'", ex.Message);
    }

    [Fact]
    public void Write_CallbackFails_LeavesOldFileUntouchedAndNoTemporaryFiles()
    {
        using var dir = new TempDir();
        string path = dir.File("model.gguf");
        File.WriteAllText(path, "previous contents");
        var writer = new GgufWriter().Add("k", 1)
            .AddTensor("s", DType.F32, [4], 16, s => { s.Write(new byte[8]); throw new IOException("source went away"); });

        Assert.Throws<IOException>(() => writer.Write(path));
        Assert.Equal("previous contents", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Write_NewPath_CreatesReadableFileAndNoTemporaryFiles()
    {
        using var dir = new TempDir();
        string path = dir.File("new.gguf");
        new GgufWriter().Add("general.name", "x").AddTensor("s", DType.F16, [2], new byte[4]).Write(path);
        Assert.Equal([path], Directory.GetFiles(dir.Path));
        using var gguf = GgufFile.Open(path);
        Assert.Equal("x", gguf.GetString("general.name"));
        Assert.Equal(DType.F16, gguf.GetTensor("s").Type);
    }

    [Fact]
    public void GetTensor_Missing_ThrowsNamingTensor()
    {
        using var dir = new TempDir();
        string path = dir.File("m.gguf");
        new GgufWriter().AddTensor("present", DType.F32, [1], new byte[4]).Write(path);
        using var gguf = GgufFile.Open(path);
        var ex = Assert.Throws<Meridian.Core.ModelFormatException>(() => gguf.GetTensor("output.weight"));
        Assert.Contains(path, ex.Message);
        Assert.Contains("'output.weight'", ex.Message);
        Assert.False(gguf.TryGetTensor("output.weight", out _));
    }

    private static byte[] ToBytes(float[] values) => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    [Fact]
    public void Add_StringValue_IsWrittenAsUtf8WithByteLength()
    {
        var ms = new MemoryStream();
        new GgufWriter().Add("s", "é").WriteTo(ms);
        byte[] bytes = ms.ToArray();
        // header 24 + key (8 + 1) + type 4 = 37: then u64 length 2 and the bytes C3 A9.
        Assert.Equal(2UL, BitConverter.ToUInt64(bytes, 37));
        Assert.Equal(Encoding.UTF8.GetBytes("é"), bytes[45..47]);
    }
}
