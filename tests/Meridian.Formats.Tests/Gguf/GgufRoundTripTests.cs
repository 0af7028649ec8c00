// Round trips: llama.cpp-written fixtures rewritten by GgufWriter must come back byte for byte,
// and a synthetic file with every value type must read back equal to what was written.
using Meridian.Core.Tensors;
using Meridian.Formats.Gguf;
using Meridian.Tests.Shared;

namespace Meridian.Formats.Tests.Gguf;

public class GgufRoundTripTests
{
    [SkippableTheory]
    [InlineData("stories260k/stories260K-F32.gguf")]
    [InlineData("stories260k/stories260K-F16.gguf")]
    [InlineData("stories260k/stories260K-BF16.gguf")]
    [InlineData("stories260k/stories260K-Q4_K_M-mixed.gguf")]
    [InlineData("stories260k/stories260K-Q6_K-mixed.gguf")]
    [InlineData("stories260k/qwen2arch/stories260K-qwen2arch-F32.gguf")]
    [InlineData("tiny-random-llama2/llama-2-tiny-random.gguf")]
    public void Rewrite_LlamaCppWrittenFile_IsByteIdentical(string relative)
    {
        string path = TestData.Require(relative);
        using var source = GgufFile.Open(path);
        var output = new MemoryStream();
        GgufCopy.ToWriter(source).WriteTo(output);
        AssertSameBytes(File.ReadAllBytes(path), output.ToArray());
    }

    [SkippableTheory]
    [InlineData("vocab/ggml-vocab-llama-spm.gguf")]
    [InlineData("vocab/ggml-vocab-gpt-2.gguf")]
    [InlineData("vocab/ggml-vocab-qwen2.gguf")]
    public void Rewrite_VocabOnlyFile_IsIdenticalUpToHeaderPadding(string relative)
    {
        // These vocab-only files end right after the header (gguf-py pads only when there is
        // tensor data). ggml's writer, which ours follows, always pads the header to the
        // alignment, so the rewrite is the original plus up to alignment-1 zero bytes.
        string path = TestData.Require(relative);
        byte[] original = File.ReadAllBytes(path);
        using var source = GgufFile.Open(path);
        Assert.Empty(source.Tensors);
        var output = new MemoryStream();
        GgufCopy.ToWriter(source).WriteTo(output);
        byte[] rewritten = output.ToArray();

        AssertSameBytes(original, rewritten[..original.Length]);
        Assert.Equal(source.DataOffset, rewritten.Length);
        Assert.All(rewritten[original.Length..], b => Assert.Equal(0, b));
    }

    [SkippableFact]
    public void Rewrite_V1File_ReadsBackAsV3WithSameContent()
    {
        using var v1 = GgufFile.Open(TestData.Require("stories260k/stories260K-F32.gguf-v1.gguf"));
        using var dir = new TempDir();
        string path = dir.File("v3.gguf");
        GgufCopy.ToWriter(v1).Write(path);

        using var v3 = GgufFile.Open(path);
        Assert.Equal(3u, v3.Version);
        Assert.Equal(v1.Metadata, v3.Metadata);
        Assert.Equal(v1.Tensors.Select(t => (t.Name, t.Type, string.Join(",", t.Dimensions), t.Offset)),
                     v3.Tensors.Select(t => (t.Name, t.Type, string.Join(",", t.Dimensions), t.Offset)));
        foreach (var t in v1.Tensors)
            Assert.True(v1.GetTensorData(t).SequenceEqual(v3.GetTensorData(v3.GetTensor(t.Name))), t.Name);
    }

    [Fact]
    public void WriteThenRead_EveryValueType_ReadsBackEqualInOrder()
    {
        var values = SyntheticValues();
        var writer = new GgufWriter();
        foreach (var (key, value) in values)
            writer.Add(key, value);
        writer.SetAlignment(64);
        float[] weights = Enumerable.Range(0, 64 * 3).Select(i => i * 0.5f - 7f).ToArray();
        byte[] weightBytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(weights.AsSpan()).ToArray();
        writer.AddTensor("w", DType.F32, [64, 3], weightBytes);
        byte[] q8 = Enumerable.Range(0, 34 * 2).Select(i => (byte)i).ToArray(); // 2 Q8_0 blocks of 34 bytes
        writer.AddTensor("q", DType.Q8_0, [64], 68, s => s.Write(q8));

        using var dir = new TempDir();
        string path = dir.File("all-types.gguf");
        writer.Write(path);
        using var gguf = GgufFile.Open(path);

        Assert.Equal(values.Select(v => v.Key).Append("general.alignment"), gguf.Metadata.Select(e => e.Key));
        foreach (var (key, value) in values)
            Assert.Equal(value, gguf.GetValue(key));
        Assert.Equal(64u, gguf.Alignment);
        Assert.Equal(0, gguf.DataOffset % 64);
        Assert.True(gguf.GetTensorData(gguf.GetTensor("w")).SequenceEqual(weightBytes));
        // "w" is 768 bytes, a multiple of 64, so "q" follows directly.
        Assert.Equal(768, gguf.GetTensor("q").Offset);
        Assert.True(gguf.GetTensorData(gguf.GetTensor("q")).SequenceEqual(q8));
        Assert.Equal("nested", gguf.Metadata[^2].Key);
        Assert.Equal(GgufValueType.String, gguf.GetArray("nested").AsArrayList()[1].AsArrayList()[0].ElementType);
        Assert.Equal(GgufValueType.Array, gguf.GetArray("nested").AsArrayList()[1].ElementType);
    }

    [Fact]
    public void TypedAccessors_WideningAndNarrowing_FollowTheDocumentedRules()
    {
        var writer = new GgufWriter()
            .Add("u8", GgufValue.FromUInt8(200)).Add("i8", GgufValue.FromInt8(-5)).Add("big", ulong.MaxValue)
            .Add("f64", 0.1).Add("u16arr", GgufValue.FromArray(new ushort[] { 1, 65535 })).Add("neg", -1L);
        var ms = new MemoryStream();
        writer.WriteTo(ms);
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("a.gguf"), ms.ToArray());
        using var gguf = GgufFile.Open(dir.File("a.gguf"));

        Assert.Equal(200u, gguf.GetUInt32("u8"));
        Assert.Equal(-5L, gguf.GetInt64("i8"));
        Assert.Equal(ulong.MaxValue, gguf.GetUInt64("big"));
        Assert.Equal(0.1f, gguf.GetFloat32("f64"));
        Assert.Equal([1, 65535], gguf.GetInt32Array("u16arr"));
        var e = Assert.Throws<GgufFormatException>(() => gguf.GetUInt32("neg"));
        Assert.Contains("'neg'", e.Message);
        Assert.Contains("outside the range of uint32", e.Message);
        e = Assert.Throws<GgufFormatException>(() => gguf.GetInt64("big"));
        Assert.Contains("'big'", e.Message);
        e = Assert.Throws<GgufFormatException>(() => gguf.GetString("u8"));
        Assert.Contains("metadata key 'u8' has type uint8, expected string", e.Message);
        var missing = Assert.Throws<GgufKeyNotFoundException>(() => gguf.GetUInt32("llama.block_count"));
        Assert.Contains("'llama.block_count'", missing.Message);
        Assert.Contains(dir.File("a.gguf"), missing.Message);
        Assert.False(gguf.TryGetString("absent", out _));
        Assert.Throws<GgufFormatException>(() => gguf.TryGetBool("u8", out _));
    }

    private static List<(string Key, GgufValue Value)> SyntheticValues() =>
    [
        ("u8", GgufValue.FromUInt8(0xFE)), ("i8", GgufValue.FromInt8(-128)),
        ("u16", GgufValue.FromUInt16(0xBEEF)), ("i16", GgufValue.FromInt16(short.MinValue)),
        ("u32", GgufValue.FromUInt32(uint.MaxValue)), ("i32", GgufValue.FromInt32(-123456)),
        ("f32", GgufValue.FromFloat32(float.NaN)), ("b", GgufValue.FromBool(true)),
        ("s", GgufValue.FromString("héllo ▁wörld \0 🦙")), ("empty", GgufValue.FromString("")),
        ("u64", GgufValue.FromUInt64(ulong.MaxValue - 1)), ("i64", GgufValue.FromInt64(long.MinValue)),
        ("f64", GgufValue.FromFloat64(-1e300)),
        ("a.u8", GgufValue.FromArray(new byte[] { 0, 1, 255 })), ("a.i8", GgufValue.FromArray(new sbyte[] { -1, 2 })),
        ("a.u16", GgufValue.FromArray(new ushort[] { 1, 65535 })), ("a.i16", GgufValue.FromArray(new short[] { -2, 3 })),
        ("a.u32", GgufValue.FromArray(new uint[] { 7, uint.MaxValue })), ("a.i32", GgufValue.FromArray(new int[] { -7, 8 })),
        ("a.f32", GgufValue.FromArray(new float[] { 1.5f, -0f, float.PositiveInfinity })), ("a.bool", GgufValue.FromArray(new bool[] { true, false, true })),
        ("a.str", GgufValue.FromArray(new string[] { "a", "", "<0x0A>", "▁the" })), ("a.u64", GgufValue.FromArray(new ulong[] { ulong.MaxValue })),
        ("a.i64", GgufValue.FromArray(new long[] { long.MinValue, 0 })), ("a.f64", GgufValue.FromArray(new double[] { Math.PI })),
        ("a.empty", GgufValue.FromArray(Array.Empty<float>())),
        ("nested", GgufValue.FromArray(new GgufValue[] {
            GgufValue.FromArray(new int[] { 1, 2 }),
            GgufValue.FromArray(new GgufValue[] { GgufValue.FromArray(new string[] { "x", "yz" }), GgufValue.FromArray(Array.Empty<bool>()) }),
            GgufValue.FromArray(Array.Empty<GgufValue>()),
        })),
    ];

    private static void AssertSameBytes(byte[] expected, byte[] actual)
    {
        int n = Math.Min(expected.Length, actual.Length);
        int first = expected.AsSpan(0, n).CommonPrefixLength(actual.AsSpan(0, n));
        Assert.True(first == n && expected.Length == actual.Length,
            $"files differ: lengths {expected.Length} vs {actual.Length}, first difference at byte {first}");
    }
}
