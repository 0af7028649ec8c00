// Malformed and hostile safetensors files, each built by hand in the test, must be refused with a
// SafetensorsFormatException naming the file and the tensor or byte at fault (never a crash or OOM).
using System.Text;
using Meridian.Formats.Safetensors;
using Meridian.Tests.Shared;

namespace Meridian.Formats.Tests.Safetensors;

public class SafetensorsHostileTests
{
    private const string F32x2 = """{"dtype":"F32","shape":[2],"data_offsets":[0,8]}""";

    private static SafetensorsFormatException Refuse(TempDir dir, string header, byte[] data, ulong? claimed = null)
    {
        string path = HandBuiltSafetensors.Write(dir, header, data, claimed);
        var ex = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.Equal(path, ex.FilePath);
        Assert.Contains(path, ex.Message);
        return ex;
    }

    [Fact]
    public void Open_ShorterThanLengthField_IsRefused()
    {
        using var dir = new TempDir();
        string path = dir.File("short.safetensors");
        File.WriteAllBytes(path, [1, 2, 3]);
        var ex = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Open(path));
        Assert.Contains("too short", ex.Message);
    }

    [Fact]
    public void Open_HeaderLengthPastEndOfFile_IsRefused()
    {
        using var dir = new TempDir();
        var ex = Refuse(dir, "{}", [], claimed: 1000);
        Assert.Contains("header length 1000", ex.Message);
        Assert.Equal(0, ex.ByteOffset);
    }

    [Theory]
    [InlineData(100_000_001UL)]
    [InlineData(ulong.MaxValue)] // does not fit a long: must not wrap negative
    public void Open_AbsurdHeaderLength_IsRefusedBeforeReading(ulong claimed)
    {
        using var dir = new TempDir();
        var ex = Refuse(dir, "{}", [], claimed);
        Assert.Contains("100000000-byte limit", ex.Message);
    }

    [Fact]
    public void Open_InvalidUtf8_NamesTheByte()
    {
        using var dir = new TempDir();
        byte[] header = [.. "{\"a\""u8, 0xFF, .. ":1}   "u8];
        string path = dir.File("t.safetensors");
        File.WriteAllBytes(path, HandBuiltSafetensors.Bytes(header, []));
        var ex = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Open(path));
        Assert.Contains("UTF-8", ex.Message);
        Assert.Equal(8 + 4, ex.ByteOffset); // 8-byte length field, then {"a" is 4 bytes
    }

    [Theory]
    [InlineData("{\"a\":")]
    [InlineData("{\"a\":{\"dtype\":\"F32\"}")]
    [InlineData("")]
    public void Open_InvalidJson_IsRefused(string header)
    {
        using var dir = new TempDir();
        var ex = Refuse(dir, header, []);
        Assert.Contains("not valid JSON", ex.Message);
    }

    [Theory]
    [InlineData("[]", "Array")]
    [InlineData("\"x\"", "String")]
    [InlineData("12345678", "Number")]
    public void Open_NonObjectHeader_IsRefused(string header, string kind)
    {
        using var dir = new TempDir();
        var ex = Refuse(dir, header, []);
        Assert.Contains($"must be a JSON object, found {kind}", ex.Message);
    }

    [Fact]
    public void Open_UnknownDType_NamesTheDTypeAndTensor()
    {
        using var dir = new TempDir();
        var ex = Refuse(dir, """{"w":{"dtype":"F31","shape":[2],"data_offsets":[0,8]}}""", new byte[8]);
        Assert.Contains("unknown dtype 'F31'", ex.Message);
        Assert.Equal("w", ex.TensorName);
    }

    [Fact]
    public void Open_LowercaseDType_IsUnknown()
    {
        using var dir = new TempDir();
        // The reference's serde enum is case-sensitive.
        var ex = Refuse(dir, """{"w":{"dtype":"f32","shape":[2],"data_offsets":[0,8]}}""", new byte[8]);
        Assert.Contains("unknown dtype 'f32'", ex.Message);
    }

    [Fact]
    public void Open_ShapeProductOverflow_IsRefused()
    {
        using var dir = new TempDir();
        // 2^32 * 2^32 overflows 64 bits.
        var ex = Refuse(dir, """{"w":{"dtype":"U8","shape":[4294967296,4294967296],"data_offsets":[0,0]}}""", []);
        Assert.Contains("overflows", ex.Message);
        Assert.Equal("w", ex.TensorName);
    }

    [Fact]
    public void Open_ByteSizeOverflow_IsRefused()
    {
        using var dir = new TempDir();
        // 2^61 elements fit a long, but 2^61 * 64 bits does not.
        var ex = Refuse(dir, """{"w":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,0]}}""", []);
        Assert.Contains("overflows", ex.Message);
    }

    [Fact]
    public void Open_NegativeDimension_IsRefused()
    {
        using var dir = new TempDir();
        var ex = Refuse(dir, """{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", new byte[8]);
        Assert.Contains("'shape'[0] = -2 is negative", ex.Message);
    }

    [Theory]
    [InlineData("[2.5]")]
    [InlineData("[\"2\"]")]
    [InlineData("[1e3]")]
    [InlineData("[99999999999999999999]")]
    public void Open_NonIntegerDimension_IsRefused(string shape)
    {
        using var dir = new TempDir();
        var ex = Refuse(dir, $$$"""{"w":{"dtype":"U8","shape":{{{shape}}},"data_offsets":[0,2]}}""", new byte[2]);
        Assert.Contains("not an integer", ex.Message);
    }

    [Fact]
    public void Open_OffsetsNotMatchingDTypeTimesShape_IsRefused()
    {
        using var dir = new TempDir();
        // F32 [3] needs 12 bytes; the offsets claim 8.
        var ex = Refuse(dir, """{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", new byte[8]);
        Assert.Contains("span 8 bytes but F32 [3] needs 12", ex.Message);
        Assert.Equal("w", ex.TensorName);
    }

    [Fact]
    public void Open_OffsetsPastDataEnd_NameTheTensor()
    {
        using var dir = new TempDir();
        var ex = Refuse(dir, """{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", new byte[8]);
        Assert.Contains("run past the end of the 8-byte data section", ex.Message);
        Assert.Equal("w", ex.TensorName);
    }

    [Fact]
    public void Open_EndBeforeBegin_IsRefused()
    {
        using var dir = new TempDir();
        var ex = Refuse(dir, """{"w":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}""", new byte[8]);
        Assert.Contains("end before they begin", ex.Message);
    }

    [Fact]
    public void Open_OverlappingTensors_AreRefused()
    {
        using var dir = new TempDir();
        // a = [0,8), b = [4,12): b starts inside a.
        string header = $$$"""{"a":{{{F32x2}}},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""";
        var ex = Refuse(dir, header, new byte[12]);
        Assert.Contains("overlap", ex.Message);
        Assert.Equal("b", ex.TensorName);
    }

    [Fact]
    public void Open_GapBetweenTensors_IsRefused()
    {
        using var dir = new TempDir();
        // a = [0,8), b = [12,20): bytes 8..11 belong to nobody.
        string header = $$$"""{"a":{{{F32x2}}},"b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}}""";
        var ex = Refuse(dir, header, new byte[20]);
        Assert.Contains("gap", ex.Message);
        Assert.Equal("b", ex.TensorName);
    }

    [Fact]
    public void Open_TrailingBytesAfterLastTensor_AreRefused()
    {
        using var dir = new TempDir();
        // The reference requires exact coverage (MetadataIncompleteBuffer otherwise).
        var ex = Refuse(dir, $$$"""{"a":{{{F32x2}}}}""", new byte[9]);
        Assert.Contains("cover 8 bytes of data but the data section holds 9", ex.Message);
    }

    [Fact]
    public void Open_DuplicateTensorKey_IsRefused()
    {
        using var dir = new TempDir();
        var ex = Refuse(dir, $$$"""{"a":{{{F32x2}}},"a":{{{F32x2}}}}""", new byte[8]);
        Assert.Contains("appears twice", ex.Message);
        Assert.Equal("a", ex.TensorName);
    }

    [Fact]
    public void Open_DuplicateMetadataKey_IsRefused()
    {
        using var dir = new TempDir();
        var ex = Refuse(dir, """{"__metadata__":{"k":"1","k":"2"}}""", []);
        Assert.Contains("'k' appears twice", ex.Message);
    }

    [Fact]
    public void Open_NonStringMetadataValue_IsRefused()
    {
        using var dir = new TempDir();
        var ex = Refuse(dir, """{"__metadata__":{"n":3}}""", []);
        Assert.Contains("__metadata__ key 'n' must be a string", ex.Message);
    }

    [Theory]
    [InlineData("""{"w":{"shape":[2],"data_offsets":[0,8]}}""", "'dtype' is missing")]
    [InlineData("""{"w":{"dtype":"F32","data_offsets":[0,8]}}""", "'shape' is missing")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2]}}""", "'data_offsets' is missing")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4,8]}}""", "must hold 2 integers")]
    [InlineData("""{"w":7}""", "must be an object")]
    public void Open_MalformedTensorEntry_NamesTheField(string header, string expected)
    {
        using var dir = new TempDir();
        var ex = Refuse(dir, header, new byte[8]);
        Assert.Contains(expected, ex.Message);
        Assert.Equal("w", ex.TensorName);
    }

    [Fact]
    public void Open_DeeplyNestedJson_IsRefusedWithoutStackOverflow()
    {
        using var dir = new TempDir();
        string header = "{\"a\":" + new string('[', 100_000) + new string(']', 100_000) + "}";
        var ex = Refuse(dir, header, []);
        Assert.Contains("not valid JSON", ex.Message);
    }

    [Fact]
    public void Open_ByteOrderMark_IsRefused()
    {
        using var dir = new TempDir();
        string path = dir.File("t.safetensors");
        File.WriteAllBytes(path, HandBuiltSafetensors.Bytes([0xEF, 0xBB, 0xBF, .. Encoding.ASCII.GetBytes("{}   ")], []));
        var ex = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Open(path));
        Assert.Contains("byte order mark", ex.Message);
    }
}
