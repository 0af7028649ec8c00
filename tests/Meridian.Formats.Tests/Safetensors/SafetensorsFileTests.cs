// Reading safetensors: hand-built files (bytes laid out in the test) and the stories260K HF fixture.
using System.Runtime.InteropServices;
using Meridian.Core.Tensors;
using Meridian.Core;
using Meridian.Formats.Safetensors;
using Meridian.Tests.Shared;

namespace Meridian.Formats.Tests.Safetensors;

public class SafetensorsFileTests
{
    [Fact]
    public void Open_HandBuiltFile_ReadsHeaderAndData()
    {
        using var dir = new TempDir();
        // Data: an F32 [2] at [0,8) = 1.0f, 2.0f; then an I16 [1,1] at [8,10) = -2.
        byte[] data = [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40, 0xFE, 0xFF];
        string header = """{"__metadata__":{"format":"pt"},"b":{"dtype":"I16","shape":[1,1],"data_offsets":[8,10]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""";
        string path = HandBuiltSafetensors.Write(dir, header, data);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(header.Length, file.HeaderLength);
        Assert.Equal(8 + header.Length, file.DataStart);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal(["a", "b"], file.Tensors.Select(t => t.Name)); // data-offset order
        var a = file.GetTensor("a");
        Assert.Equal(SafetensorsDType.F32, a.DType);
        Assert.Equal([2L], a.Shape);
        Assert.Equal((0L, 8L), (a.DataBegin, a.DataEnd));
        Assert.Equal([1.0f, 2.0f], MemoryMarshal.Cast<byte, float>(file.GetTensorData("a")).ToArray());
        Assert.Equal([(short)-2], MemoryMarshal.Cast<byte, short>(file.GetTensorData("b")).ToArray());
        Assert.Equal([1L, 1L], file.GetTensor("b").Shape);
    }

    [Fact]
    public void Open_EmptyHeaderPaddedWithSpaces_HasNoTensors()
    {
        using var dir = new TempDir();
        // The reference writes "{}" plus six spaces for an empty dict; leading whitespace is also legal.
        string path = HandBuiltSafetensors.Write(dir, "  {}    ", []);
        using var file = SafetensorsFile.Open(path);
        Assert.Empty(file.Tensors);
        Assert.Empty(file.Metadata);
    }

    [Fact]
    public void Open_ScalarAndZeroSizedTensors_AreAccepted()
    {
        using var dir = new TempDir();
        // A scalar (shape []) is one element; a [0,3] tensor is zero bytes and may share its offset.
        string header = """{"z":{"dtype":"F64","shape":[0,3],"data_offsets":[0,0]},"s":{"dtype":"U8","shape":[],"data_offsets":[0,1]}}""";
        string path = HandBuiltSafetensors.Write(dir, header, [42]);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(0, file.GetTensor("z").ByteLength);
        Assert.Equal(1, file.GetTensor("s").ElementCount);
        Assert.Equal([(byte)42], file.GetTensorData("s").ToArray());
    }

    [Fact]
    public void GetTensor_UnknownName_ThrowsNamingIt()
    {
        using var dir = new TempDir();
        string path = HandBuiltSafetensors.Write(dir, "{}", []);
        using var file = SafetensorsFile.Open(path);
        var ex = Assert.Throws<KeyNotFoundException>(() => file.GetTensor("nope"));
        Assert.Contains("'nope'", ex.Message);
    }

    [Theory]
    [InlineData(SafetensorsDType.F64, DType.F64)]
    [InlineData(SafetensorsDType.F32, DType.F32)]
    [InlineData(SafetensorsDType.F16, DType.F16)]
    [InlineData(SafetensorsDType.BF16, DType.BF16)]
    [InlineData(SafetensorsDType.I64, DType.I64)]
    [InlineData(SafetensorsDType.I32, DType.I32)]
    [InlineData(SafetensorsDType.I16, DType.I16)]
    [InlineData(SafetensorsDType.I8, DType.I8)]
    public void ToDType_PlainType_MapsToSameBytes(SafetensorsDType type, DType expected)
    {
        Assert.Equal(expected, type.ToDType());
        // Same element width on both sides: bits / 8 == ggml type size.
        Assert.Equal(expected.Info().TypeSize, type.BitSize() / 8);
        Assert.True(SafetensorsDTypes.TryFromDType(expected, out var back));
        Assert.Equal(type, back);
    }

    [Theory]
    [InlineData(SafetensorsDType.BOOL)]
    [InlineData(SafetensorsDType.U8)]
    [InlineData(SafetensorsDType.U16)]
    [InlineData(SafetensorsDType.U32)]
    [InlineData(SafetensorsDType.U64)]
    [InlineData(SafetensorsDType.F8_E4M3)]
    [InlineData(SafetensorsDType.F8_E5M2)]
    public void ToDType_TypeWithoutMeridianEquivalent_IsRefusedByName(SafetensorsDType type)
    {
        Assert.False(type.TryToDType(out _));
        var ex = Assert.Throws<UnsupportedDTypeException>(() => type.ToDType());
        Assert.Contains(type.HeaderName(), ex.Message);
    }

    [SkippableFact]
    public void Open_Stories260kHf_HasLlamaTensorsCoveringTheFile()
    {
        string path = TestData.Require("stories260k/hf/model.safetensors");
        using var file = SafetensorsFile.Open(path);
        // 1 embedding + 5 layers x 9 tensors + final norm = 47 (tied embeddings: no lm_head).
        Assert.Equal(47, file.Tensors.Count);
        Assert.All(file.Tensors, t => Assert.Equal(SafetensorsDType.F32, t.DType));
        Assert.Equal([512L, 64L], file.GetTensor("model.embed_tokens.weight").Shape);
        Assert.Equal([32L, 64L], file.GetTensor("model.layers.0.self_attn.k_proj.weight").Shape);
        Assert.Equal([64L, 172L], file.GetTensor("model.layers.4.mlp.down_proj.weight").Shape);
        Assert.Equal("pt", file.Metadata["format"]);
        // The data section is exactly the sum of tensor sizes: 1045088 bytes on disk.
        long data = file.Tensors.Sum(t => t.ElementCount * 4);
        Assert.Equal(new FileInfo(path).Length, file.DataStart + data);
    }
}
