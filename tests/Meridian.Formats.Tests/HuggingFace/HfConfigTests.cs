// config.json parsing: the stories260K fixtures, small configs written in the test (real
// Llama 3.1 rope_scaling values), and wrong or missing fields named in the error.
using Meridian.Core;
using Meridian.Formats.HuggingFace;
using Meridian.Tests.Shared;

namespace Meridian.Formats.Tests.HuggingFace;

public class HfConfigTests
{
    private const string Minimal = """
        {"hidden_size": 64, "intermediate_size": 172, "num_hidden_layers": 5,
         "num_attention_heads": 8, "vocab_size": 512 %EXTRA%}
        """;

    private static HfConfig Parse(string extra) => HfConfig.FromJson(Minimal.Replace("%EXTRA%", extra), "test.json");

    private static ModelFormatException Refuse(string json) =>
        Assert.Throws<ModelFormatException>(() => HfConfig.FromJson(json, "test.json"));

    [SkippableFact]
    public void Load_Stories260kLlama_ReadsEveryField()
    {
        var c = HfConfig.Load(TestData.Require("stories260k/hf/config.json"));
        Assert.Equal("llama", c.ModelType);
        Assert.Equal(["LlamaForCausalLM"], c.Architectures);
        Assert.Equal((64, 172, 5, 8, 4, 512), (c.HiddenSize, c.IntermediateSize, c.NumHiddenLayers, c.NumAttentionHeads, c.NumKeyValueHeads, c.VocabSize));
        Assert.Equal(8, c.HeadDim);
        Assert.Equal(512, c.MaxPositionEmbeddings);
        Assert.Equal(1e-5, c.RmsNormEps);
        Assert.Equal(10000.0, c.RopeTheta);
        Assert.Null(c.RopeScaling);
        Assert.True(c.TieWordEmbeddings);
        Assert.Equal("float32", c.TorchDtype);
        Assert.Equal(1, c.BosTokenId);
        Assert.Equal([2], c.EosTokenIds);
        Assert.Equal("silu", c.HiddenAct);
        Assert.False(c.AttentionBias);
        Assert.False(c.Raw.GetProperty("mlp_bias").GetBoolean()); // not a named field: reachable through Raw
    }

    [SkippableFact]
    public void Load_Stories260kQwen2_LeavesUnstatedFieldsNull()
    {
        var c = HfConfig.Load(TestData.Require("stories260k/qwen2arch/hf/config.json"));
        Assert.Equal("qwen2", c.ModelType);
        Assert.Null(c.HeadDim);
        Assert.Equal(8, c.HeadDimOrDefault); // 64 / 8
        Assert.Null(c.AttentionBias);
        Assert.False(c.UseSlidingWindow);
        Assert.Null(c.SlidingWindow);
    }

    [Fact]
    public void FromJson_NoKvHeadsNoRopeTheta_UsesDefaults()
    {
        var c = Parse("");
        Assert.Equal(8, c.NumKeyValueHeads);
        Assert.Equal(10000.0, c.RopeTheta);
        Assert.Empty(c.EosTokenIds);
        Assert.Empty(c.Architectures);
        Assert.Null(c.TieWordEmbeddings);
    }

    [Fact]
    public void FromJson_EosList_KeepsEveryId()
    {
        // Llama 3.1 Instruct lists three end tokens.
        Assert.Equal([128001, 128008, 128009], Parse(""", "eos_token_id": [128001, 128008, 128009]""").EosTokenIds);
    }

    [Fact]
    public void FromJson_NullOptionalFields_AreAbsent()
    {
        var c = Parse(""", "head_dim": null, "rope_scaling": null, "sliding_window": null, "bos_token_id": null""");
        Assert.Null(c.HeadDim);
        Assert.Null(c.RopeScaling);
        Assert.Null(c.SlidingWindow);
        Assert.Null(c.BosTokenId);
    }

    [Fact]
    public void FromJson_Llama31RopeScaling_ReadsAllFactors()
    {
        // Values from Meta-Llama-3.1-8B config.json.
        var c = Parse(""", "rope_theta": 500000.0, "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192, "rope_type": "llama3"}""");
        Assert.Equal(500000.0, c.RopeTheta);
        Assert.Equal(new HfRopeScaling("llama3", 8.0, 1.0, 4.0, 8192, c.RopeScaling!.Raw), c.RopeScaling);
    }

    [Fact]
    public void FromJson_OldStyleRopeScalingType_IsRead()
    {
        var c = Parse(""", "rope_scaling": {"type": "linear", "factor": 2.0}""");
        Assert.Equal("linear", c.RopeScaling!.RopeType);
        Assert.Equal(2.0, c.RopeScaling.Factor);
        Assert.Null(c.RopeScaling.LowFreqFactor);
    }

    [Fact]
    public void FromJson_RopeParametersBlock_GivesThetaAndScaling()
    {
        var plain = Parse(""", "rope_parameters": {"rope_type": "default", "rope_theta": 1000000.0}""");
        Assert.Equal(1000000.0, plain.RopeTheta);
        Assert.Null(plain.RopeScaling);
        var yarn = Parse(""", "rope_parameters": {"rope_type": "yarn", "rope_theta": 10000.0, "factor": 4.0, "original_max_position_embeddings": 32768}""");
        Assert.Equal("yarn", yarn.RopeScaling!.RopeType);
        Assert.Equal(32768, yarn.RopeScaling.OriginalMaxPositionEmbeddings);
    }

    [Fact]
    public void FromJson_NewDtypeKey_FillsTorchDtype()
    {
        Assert.Equal("bfloat16", Parse(""", "dtype": "bfloat16" """).TorchDtype);
    }

    [Theory]
    [InlineData("hidden_size")]
    [InlineData("intermediate_size")]
    [InlineData("num_hidden_layers")]
    [InlineData("num_attention_heads")]
    [InlineData("vocab_size")]
    public void FromJson_MissingRequiredField_NamesIt(string field)
    {
        string json = Minimal.Replace("%EXTRA%", "").Replace($"\"{field}\"", "\"renamed\"");
        var ex = Refuse(json);
        Assert.Contains($"'{field}' is missing", ex.Message);
        Assert.Contains("test.json", ex.Message);
    }

    [Theory]
    [InlineData(""", "num_key_value_heads": "4" """, "'num_key_value_heads' must be an integer")]
    [InlineData(""", "max_position_embeddings": 512.5""", "'max_position_embeddings' must be an integer that fits 32 bits")]
    [InlineData(""", "rms_norm_eps": "1e-5" """, "'rms_norm_eps' must be a finite number")]
    [InlineData(""", "tie_word_embeddings": 1""", "'tie_word_embeddings' must be true or false")]
    [InlineData(""", "model_type": 3""", "'model_type' must be a string")]
    [InlineData(""", "architectures": "LlamaForCausalLM" """, "'architectures' must be a list of strings")]
    [InlineData(""", "eos_token_id": [2, "x"]""", "'eos_token_id' must be a list of integers")]
    [InlineData(""", "eos_token_id": {}""", "'eos_token_id' must be an integer or a list")]
    [InlineData(""", "rope_scaling": {"factor": 2.0}""", "'rope_scaling.rope_type' is missing")]
    [InlineData(""", "rope_scaling": {"rope_type": "linear", "factor": "2"}""", "'rope_scaling.factor' must be a finite number")]
    [InlineData(""", "rope_scaling": 2""", "'rope_scaling' must be an object")]
    [InlineData(""", "num_key_value_heads": 0""", "'num_key_value_heads' must be positive")]
    [InlineData(""", "rope_theta": -1""", "'rope_theta' must be positive")]
    public void FromJson_WrongType_NamesTheField(string extra, string expected)
    {
        var ex = Refuse(Minimal.Replace("%EXTRA%", extra));
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void FromJson_NegativeHiddenSize_IsRefused()
    {
        var ex = Refuse(Minimal.Replace("%EXTRA%", "").Replace("\"hidden_size\": 64", "\"hidden_size\": -64"));
        Assert.Contains("'hidden_size' must be positive, found -64", ex.Message);
    }

    [Theory]
    [InlineData("[1, 2]", "must be a JSON object")]
    [InlineData("{\"hidden_size\": ", "not valid JSON")]
    public void FromJson_NotAnObject_IsRefused(string json, string expected)
    {
        Assert.Contains(expected, Refuse(json).Message);
    }

    [Fact]
    public void Load_OversizedFile_IsRefusedBeforeReading()
    {
        using var dir = new TempDir();
        string path = dir.File("config.json");
        using (var f = File.Create(path))
            f.SetLength(HfConfig.MaxFileBytes + 1); // sparse: no real data written
        var ex = Assert.Throws<ModelFormatException>(() => HfConfig.Load(path));
        Assert.Contains("too large", ex.Message);
    }
}
