// Writing safetensors: exact bytes against headers written out by hand (the reference writer's
// layout), and writer -> reader round trips for every dtype, single and sharded.
using System.Text;
using Meridian.Formats.Safetensors;
using Meridian.Tests.Shared;

namespace Meridian.Formats.Tests.Safetensors;

public class SafetensorsWriterTests
{
    private static byte[] Pattern(int length, int seed) =>
        Enumerable.Range(0, length).Select(i => (byte)(i * 31 + seed)).ToArray();

    /// <summary>The header padded with spaces to a multiple of 8, as the reference's prepare() does.</summary>
    private static string Pad8(string header) => header + new string(' ', (8 - Encoding.UTF8.GetByteCount(header) % 8) % 8);

    [Fact]
    public void Write_MixedDTypes_MatchesHandBuiltBytes()
    {
        using var dir = new TempDir();
        byte[] a = [1, 2, 3], b = Pattern(8, 1), c = Pattern(8, 2);
        var writer = new SafetensorsWriter();
        writer.AddTensor("a", SafetensorsDType.I8, [3], a);
        writer.AddTensor("b", SafetensorsDType.F32, [2], b);
        writer.AddTensor("c", SafetensorsDType.F64, [1], c);
        writer.AddMetadata("format", "pt");
        string path = dir.File("m.safetensors");
        writer.Write(path);

        // Widest dtype first (F64, F32, I8), contiguous, "__metadata__" first, compact JSON.
        string header = Pad8("""{"__metadata__":{"format":"pt"},"c":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},"a":{"dtype":"I8","shape":[3],"data_offsets":[16,19]}}""");
        byte[] expected = HandBuiltSafetensors.Bytes(header, [.. c, .. b, .. a]);
        Assert.Equal(expected, File.ReadAllBytes(path));
        Assert.Equal(0, (8 + Encoding.UTF8.GetByteCount(header)) % 8);
    }

    [Fact]
    public void Write_SameDType_OrdersByUtf8BytesOfName()
    {
        using var dir = new TempDir();
        var writer = new SafetensorsWriter();
        // UTF-8 byte order: "B" (0x42) < "a" (0x61) < "b" (0x62) < "é" (0xC3 0xA9).
        foreach (string name in new[] { "é", "b", "a", "B" })
            writer.AddTensor(name, SafetensorsDType.U8, [1], new byte[] { (byte)name[0] });
        string path = dir.File("m.safetensors");
        writer.Write(path);
        string header = Pad8("""{"B":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]},"b":{"dtype":"U8","shape":[1],"data_offsets":[2,3]},"é":{"dtype":"U8","shape":[1],"data_offsets":[3,4]}}""");
        Assert.Equal(HandBuiltSafetensors.Bytes(header, [(byte)'B', (byte)'a', (byte)'b', 0xE9]), File.ReadAllBytes(path));
    }

    [Fact]
    public void Write_NamesNeedingEscapes_EscapeLikeSerdeJsonAndReadBack()
    {
        using var dir = new TempDir();
        string name = "q\"\\\n\u0001/ü";
        var writer = new SafetensorsWriter();
        writer.AddTensor(name, SafetensorsDType.BOOL, [], new byte[] { 1 });
        string path = dir.File("m.safetensors");
        writer.Write(path);
        // serde_json: \" \\ \n, other controls as lowercase \u00xx, '/' and non-ASCII left raw.
        string header = Pad8("{\"q\\\"\\\\\\n\\u0001/ü\":{\"dtype\":\"BOOL\",\"shape\":[],\"data_offsets\":[0,1]}}");
        Assert.Equal(HandBuiltSafetensors.Bytes(header, [1]), File.ReadAllBytes(path));
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(name, Assert.Single(file.Tensors).Name);
    }

    [Fact]
    public void Write_NoTensors_WritesPaddedEmptyObject()
    {
        using var dir = new TempDir();
        string path = dir.File("e.safetensors");
        new SafetensorsWriter().Write(path);
        Assert.Equal(HandBuiltSafetensors.Bytes("{}      ", []), File.ReadAllBytes(path));
    }

    public static TheoryData<SafetensorsDType> AllDTypes()
    {
        var data = new TheoryData<SafetensorsDType>();
        foreach (var t in Enum.GetValues<SafetensorsDType>())
            data.Add(t);
        return data;
    }

    [Theory]
    [MemberData(nameof(AllDTypes))]
    public void WriteThenOpen_EveryDType_RoundTripsShapeAndBytes(SafetensorsDType type)
    {
        using var dir = new TempDir();
        // [2, 4] = 8 elements: whole bytes even for F4 (32 bits) and F6 (48 bits).
        int bytes = 8 * type.BitSize() / 8;
        byte[] data = Pattern(bytes, (int)type);
        var writer = new SafetensorsWriter();
        writer.AddTensor("t", type, [2, 4], data);
        writer.AddTensor("pad", SafetensorsDType.U8, [3], new byte[] { 7, 8, 9 });
        string path = dir.File("m.safetensors");
        writer.Write(path);

        using var file = SafetensorsFile.Open(path);
        var info = file.GetTensor("t");
        Assert.Equal(type, info.DType);
        Assert.Equal([2L, 4L], info.Shape);
        Assert.Equal(data, file.GetTensorData("t").ToArray());
        Assert.Equal([(byte)7, (byte)8, (byte)9], file.GetTensorData("pad").ToArray());
    }

    [Fact]
    public void AddTensor_WrongByteCount_Throws()
    {
        var writer = new SafetensorsWriter();
        var ex = Assert.Throws<ArgumentException>(() => writer.AddTensor("w", SafetensorsDType.F32, [3], new byte[8]));
        Assert.Contains("needs 12 bytes, got 8", ex.Message);
    }

    [Fact]
    public void AddTensor_PartialByte_Throws()
    {
        // F4 [3] = 12 bits: not a whole number of bytes.
        var ex = Assert.Throws<ArgumentException>(() => new SafetensorsWriter().AddTensor("w", SafetensorsDType.F4, [3], new byte[2]));
        Assert.Contains("whole number of bytes", ex.Message);
    }

    [Fact]
    public void AddTensor_DuplicateOrReservedName_Throws()
    {
        var writer = new SafetensorsWriter();
        writer.AddTensor("w", SafetensorsDType.U8, [1], new byte[1]);
        Assert.Throws<ArgumentException>(() => writer.AddTensor("w", SafetensorsDType.U8, [1], new byte[1]));
        Assert.Throws<ArgumentException>(() => writer.AddTensor("__metadata__", SafetensorsDType.U8, [1], new byte[1]));
        Assert.Throws<ArgumentException>(() => writer.AddTensor("\ud800", SafetensorsDType.U8, [1], new byte[1]));
        Assert.Throws<ArgumentException>(() => writer.AddTensor("n", SafetensorsDType.U8, [-1], new byte[1]));
    }

    [Fact]
    public void Write_OverExistingFile_ReplacesItAndLeavesNoTempFile()
    {
        using var dir = new TempDir();
        string path = dir.File("m.safetensors");
        File.WriteAllText(path, "old");
        var writer = new SafetensorsWriter();
        writer.AddTensor("w", SafetensorsDType.U8, [2], new byte[] { 5, 6 });
        writer.Write(path);
        Assert.Equal([path], Directory.GetFiles(dir.Path));
        using var file = SafetensorsFile.Open(path);
        Assert.Equal([(byte)5, (byte)6], file.GetTensorData("w").ToArray());
    }

    [Fact]
    public void Write_RenameFails_RemovesTempFile()
    {
        using var dir = new TempDir();
        // The target is a non-empty directory, so the final rename fails after the temp file is written.
        string target = dir.File("m.safetensors");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "x"), "x");
        var writer = new SafetensorsWriter();
        writer.AddTensor("w", SafetensorsDType.U8, [1], new byte[1]);
        Assert.ThrowsAny<IOException>(() => writer.Write(target));
        Assert.Empty(Directory.GetFiles(dir.Path));
    }
}
