// llama2.c checkpoints: tiny files built in the test (offsets checked against hand arithmetic),
// stories260K legacy vs version-1 export, and malformed headers.
using Meridian.Core;
using Meridian.Formats.Llama2C;
using Meridian.Tests.Shared;

namespace Meridian.Formats.Tests.Llama2C;

public class Llama2CCheckpointTests
{
    /// <summary>Floats [first, first + count) as written by TinyCheckpoint (value = index).</summary>
    private static float[] Range(int first, int count) => Enumerable.Range(first, count).Select(i => (float)i).ToArray();

    [Fact]
    public void Open_TinyLegacy_PlacesTensorsInRunCOrder()
    {
        using var dir = new TempDir();
        using var ckpt = Llama2CCheckpoint.Open(TinyCheckpoint.Write(dir, TinyCheckpoint.Legacy(TinyCheckpoint.Header, TinyCheckpoint.LegacyFloats)));
        Assert.Equal(new Llama2CConfig(4, 6, 1, 2, 1, 3, 2, SharedClassifier: true, Llama2CFormat.Legacy), ckpt.Config);
        // Float offsets: emb 0, rms_att 12, wq 16, wk 32, wv 40, wo 48, rms_ffn 64, w1 68, w2 92,
        // w3 116, rms_final 140, freq_cis_real 144, freq_cis_imag 146.
        Assert.Equal(Range(0, 12), ckpt.GetTensorFloats("token_embedding_table").ToArray());
        Assert.Equal(Range(16, 16), ckpt.GetTensorFloats("wq").ToArray());
        Assert.Equal(Range(32, 8), ckpt.GetTensorFloats("wk").ToArray());
        Assert.Equal(Range(92, 24), ckpt.GetTensorFloats("w2").ToArray());
        Assert.Equal(Range(140, 4), ckpt.GetTensorFloats("rms_final_weight").ToArray());
        Assert.Equal(Range(146, 2), ckpt.GetTensorFloats("freq_cis_imag").ToArray());
        Assert.Equal(28 + 4 * 16, ckpt.GetTensor("wq").Offset);
        Assert.Equal([1L, 2L, 4L], ckpt.GetTensor("wk").Shape); // [layers, kv_dim, dim]
        Assert.Equal([1L, 4L, 6L], ckpt.GetTensor("w2").Shape); // [layers, dim, hidden]
        Assert.False(ckpt.TryGetTensor("wcls", out _));
    }

    [Fact]
    public void Open_TinyLegacyNegativeVocab_HasWclsAfterFreqCis()
    {
        using var dir = new TempDir();
        int[] header = [.. TinyCheckpoint.Header];
        header[5] = -3; // negative vocab_size: unshared classifier
        using var ckpt = Llama2CCheckpoint.Open(TinyCheckpoint.Write(dir, TinyCheckpoint.Legacy(header, TinyCheckpoint.LegacyFloats + 12)));
        Assert.False(ckpt.Config.SharedClassifier);
        Assert.Equal(3, ckpt.Config.VocabSize);
        Assert.Equal(Range(148, 12), ckpt.GetTensorFloats("wcls").ToArray());
    }

    [Fact]
    public void Open_TinyVersion1_PlacesTensorsInExportOrder()
    {
        using var dir = new TempDir();
        using var ckpt = Llama2CCheckpoint.Open(TinyCheckpoint.Write(dir, TinyCheckpoint.Version1(TinyCheckpoint.Header, TinyCheckpoint.Version1Floats + 12, shared: 0)));
        Assert.Equal(Llama2CFormat.Version1, ckpt.Config.Format);
        Assert.False(ckpt.Config.SharedClassifier);
        // Float offsets: rms_att 0, rms_ffn 4, rms_final 8, emb 12, wq 24, wk 40, wv 48, wo 56,
        // w1 72, w2 96, w3 120, wcls 144.
        Assert.Equal(Range(4, 4), ckpt.GetTensorFloats("rms_ffn_weight").ToArray());
        Assert.Equal(Range(12, 12), ckpt.GetTensorFloats("token_embedding_table").ToArray());
        Assert.Equal(Range(56, 16), ckpt.GetTensorFloats("wo").ToArray());
        Assert.Equal(Range(144, 12), ckpt.GetTensorFloats("wcls").ToArray());
        Assert.False(ckpt.TryGetTensor("freq_cis_real", out _));
    }

    [SkippableFact]
    public void Open_Stories260kLegacy_MatchesPublishedHyperparameters()
    {
        using var ckpt = Llama2CCheckpoint.Open(TestData.Require("stories260k/stories260K.bin"));
        Assert.Equal(new Llama2CConfig(64, 172, 5, 8, 4, 512, 512, true, Llama2CFormat.Legacy), ckpt.Config);
        // 28-byte header + 4 x (32768 emb + 320 + 20480 wq + 2 x 10240 wk/wv + 20480 wo + 320
        // + 3 x 55040 mlp + 64 + 2 x 2048 freq_cis) = 28 + 4 x 260032 = 1056540 bytes.
        Assert.Equal(1056540, new FileInfo(ckpt.Path).Length);
        Assert.Equal([5L, 172L, 64L], ckpt.GetTensor("w1").Shape);
    }

    [SkippableFact]
    public void Open_Stories260kLegacyAndVersion1_HaveIdenticalWeights()
    {
        using var legacy = Llama2CCheckpoint.Open(TestData.Require("stories260k/stories260K.bin"));
        using var v1 = Llama2CCheckpoint.Open(TestData.Require("stories260k/stories260K.v1-export.bin"));
        Assert.Equal(legacy.Config with { Format = Llama2CFormat.Version1 }, v1.Config);
        Assert.Equal(11, v1.Tensors.Count);
        foreach (var t in v1.Tensors)
        {
            Assert.Equal(legacy.GetTensor(t.Name).Shape, t.Shape);
            Assert.True(legacy.GetTensorData(t.Name).SequenceEqual(v1.GetTensorData(t.Name)), $"tensor {t.Name} differs");
        }
        // Different file orders, so equal bytes at different offsets is a real check of both layouts.
        Assert.NotEqual(legacy.GetTensor("wq").Offset, v1.GetTensor("wq").Offset);
    }

    [SkippableFact]
    public void GetLayerData_Stories260k_IsTheSliceOfTheStackedTensor()
    {
        using var ckpt = Llama2CCheckpoint.Open(TestData.Require("stories260k/stories260K.bin"));
        var all = ckpt.GetTensorFloats("w2");
        int perLayer = 64 * 172;
        Assert.True(all.Slice(3 * perLayer, perLayer).SequenceEqual(ckpt.GetLayerData("w2", 3)));
        Assert.Throws<ArgumentOutOfRangeException>(() => ckpt.GetLayerData("w2", 5));
        Assert.Throws<ArgumentException>(() => ckpt.GetLayerData("rms_final_weight", 0));
    }

    private static ModelFormatException Refuse(byte[] bytes)
    {
        using var dir = new TempDir();
        string path = TinyCheckpoint.Write(dir, bytes);
        var ex = Assert.Throws<ModelFormatException>(() => Llama2CCheckpoint.Open(path));
        Assert.Contains(path, ex.Message);
        return ex;
    }

    [Theory]
    [InlineData(0, 0, "dim (byte 0) is 0")]
    [InlineData(1, -6, "hidden_dim (byte 4) is -6")]
    [InlineData(2, 0, "n_layers (byte 8) is 0")]
    [InlineData(3, -1, "n_heads (byte 12) is -1")]
    [InlineData(4, 0, "n_kv_heads (byte 16) is 0")]
    [InlineData(5, 0, "vocab_size (byte 20) is 0")]
    [InlineData(5, int.MinValue, "vocab_size (byte 20)")]
    [InlineData(6, 0, "seq_len (byte 24) is 0")]
    public void Open_NonPositiveHeaderField_NamesFieldAndByte(int field, int value, string expected)
    {
        int[] header = [.. TinyCheckpoint.Header];
        header[field] = value;
        Assert.Contains(expected, Refuse(TinyCheckpoint.Legacy(header, TinyCheckpoint.LegacyFloats)).Message);
    }

    [Fact]
    public void Open_HeadsNotDividingDim_IsRefused()
    {
        int[] header = [.. TinyCheckpoint.Header];
        header[3] = 3;
        Assert.Contains("n_heads 3 does not divide dim 4", Refuse(TinyCheckpoint.Legacy(header, TinyCheckpoint.LegacyFloats)).Message);
    }

    [Fact]
    public void Open_KvHeadsNotDividingHeads_IsRefused()
    {
        int[] header = [8, 6, 1, 4, 3, 3, 2];
        Assert.Contains("n_kv_heads 3 does not divide n_heads 4", Refuse(TinyCheckpoint.Legacy(header, 200)).Message);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(+1)]
    public void Open_WrongFileLength_ReportsBothNumbers(int extraFloats)
    {
        var ex = Refuse(TinyCheckpoint.Legacy(TinyCheckpoint.Header, TinyCheckpoint.LegacyFloats + extraFloats));
        // Expected 28 + 4 x 148 = 620 bytes.
        Assert.Contains("takes 620 bytes", ex.Message);
        Assert.Contains($"the file has {620 + 4 * extraFloats}", ex.Message);
    }

    [Fact]
    public void Open_SharedHeaderButWclsPresent_IsALengthMismatch()
    {
        var ex = Refuse(TinyCheckpoint.Version1(TinyCheckpoint.Header, TinyCheckpoint.Version1Floats + 12, shared: 1));
        Assert.Contains("takes 832 bytes, but the file has 880", ex.Message); // 256 + 4 x 144 vs + 4 x 12
    }

    [Fact]
    public void Open_AbsurdHeader_OverflowIsAnErrorNotAnAllocation()
    {
        // 2^30-wide, 2^30 layers: wq alone would be 2^90 floats.
        int[] header = [1 << 30, 1 << 30, 1 << 30, 1, 1, 1 << 30, 1 << 30];
        Assert.Contains("overflow", Refuse(TinyCheckpoint.Legacy(header, 4)).Message);
    }

    [Fact]
    public void Open_HugeButNonOverflowingHeader_IsALengthMismatch()
    {
        int[] header = [1 << 14, 1 << 14, 64, 64, 8, 32000, 4096];
        Assert.Contains("but the file has 44", Refuse(TinyCheckpoint.Legacy(header, 4)).Message);
    }

    [Theory]
    [InlineData(2, "version 2 (Q8_0")]
    [InlineData(3, "version 3 (byte 4) is not supported")]
    [InlineData(0, "version 0 (byte 4) is not supported")]
    public void Open_UnsupportedVersion_NamesIt(int version, string expected)
    {
        Assert.Contains(expected, Refuse(TinyCheckpoint.Version1(TinyCheckpoint.Header, TinyCheckpoint.Version1Floats, version: version)).Message);
    }

    [Fact]
    public void Open_BadSharedFlag_IsRefused()
    {
        Assert.Contains("shared_classifier flag at byte 36 is 7", Refuse(TinyCheckpoint.Version1(TinyCheckpoint.Header, TinyCheckpoint.Version1Floats, shared: 7)).Message);
    }

    [Fact]
    public void Open_TruncatedHeaders_AreRefused()
    {
        Assert.Contains("too short for a llama2.c header", Refuse([1, 2, 3]).Message);
        Assert.Contains("too short for a version 1 header", Refuse(TinyCheckpoint.Version1(TinyCheckpoint.Header, 0)[..100]).Message);
    }
}
