// The stories260K HF directory was derived from the llama2.c checkpoint: untouched weights must be
// bit-identical, Q/K must be exactly the rotate-half permutation, and config.json must restate the header.
using System.Runtime.InteropServices;
using Meridian.Formats.HuggingFace;
using Meridian.Formats.Llama2C;
using Meridian.Formats.Safetensors;
using Meridian.Tests.Shared;

namespace Meridian.Formats.Tests.Llama2C;

public class CrossFormatTests
{
    private static void AssertSame(ReadOnlySpan<float> expected, ReadOnlySpan<byte> actualBytes, string what) =>
        Assert.True(expected.SequenceEqual(MemoryMarshal.Cast<byte, float>(actualBytes)), $"{what} differs");

    [SkippableFact]
    public void HfSafetensors_UntouchedWeights_EqualLlama2CWeights()
    {
        using var ckpt = Llama2CCheckpoint.Open(TestData.Require("stories260k/stories260K.bin"));
        using var hf = SafetensorsModel.Open(TestData.Require("stories260k/hf"));
        AssertSame(ckpt.GetTensorFloats("token_embedding_table"), hf.GetTensorData("model.embed_tokens.weight"), "embeddings");
        AssertSame(ckpt.GetTensorFloats("rms_final_weight"), hf.GetTensorData("model.norm.weight"), "final norm");
        var pairs = new (string Llama2C, string Hf)[]
        {
            ("rms_att_weight", "input_layernorm"), ("rms_ffn_weight", "post_attention_layernorm"),
            ("wv", "self_attn.v_proj"), ("wo", "self_attn.o_proj"),
            ("w1", "mlp.gate_proj"), ("w2", "mlp.down_proj"), ("w3", "mlp.up_proj"),
        };
        for (int layer = 0; layer < ckpt.Config.NumLayers; layer++)
            foreach (var (l2c, name) in pairs)
                AssertSame(ckpt.GetLayerData(l2c, layer), hf.GetTensorData($"model.layers.{layer}.{name}.weight"), $"layer {layer} {name}");
        Assert.False(hf.TryGetTensor("lm_head.weight", out _)); // shared classifier = tied embeddings
    }

    [SkippableFact]
    public void HfSafetensors_QAndK_AreTheRotateHalfPermutationOfLlama2C()
    {
        using var ckpt = Llama2CCheckpoint.Open(TestData.Require("stories260k/stories260K.bin"));
        using var hf = SafetensorsModel.Open(TestData.Require("stories260k/hf"));
        var c = ckpt.Config;
        // transformers' convert_llama_weights_to_hf permute(): within each head of size hd, HF row
        // j * hd/2 + i holds llama2.c (interleaved) row 2i + j.
        foreach (var (l2c, name, heads) in new[] { ("wq", "q_proj", c.NumHeads), ("wk", "k_proj", c.NumKvHeads) })
        {
            for (int layer = 0; layer < c.NumLayers; layer++)
            {
                var src = ckpt.GetLayerData(l2c, layer);                                              // [heads*hd, D]
                var dst = MemoryMarshal.Cast<byte, float>(hf.GetTensorData($"model.layers.{layer}.self_attn.{name}.weight"));
                int hd = c.HeadSize, d = c.Dim;
                for (int h = 0; h < heads; h++)
                    for (int i = 0; i < hd / 2; i++)
                        for (int j = 0; j < 2; j++)
                        {
                            int hfRow = h * hd + j * (hd / 2) + i, l2cRow = h * hd + 2 * i + j;
                            Assert.True(src.Slice(l2cRow * d, d).SequenceEqual(dst.Slice(hfRow * d, d)), $"{name} layer {layer} row {hfRow}");
                        }
            }
        }
    }

    [SkippableFact]
    public void HfConfig_RestatesLlama2CHeader()
    {
        using var ckpt = Llama2CCheckpoint.Open(TestData.Require("stories260k/stories260K.bin"));
        var hf = HfConfig.Load(TestData.Require("stories260k/hf/config.json"));
        var c = ckpt.Config;
        Assert.Equal(c.Dim, hf.HiddenSize);
        Assert.Equal(c.HiddenDim, hf.IntermediateSize);
        Assert.Equal(c.NumLayers, hf.NumHiddenLayers);
        Assert.Equal(c.NumHeads, hf.NumAttentionHeads);
        Assert.Equal(c.NumKvHeads, hf.NumKeyValueHeads);
        Assert.Equal(c.VocabSize, hf.VocabSize);
        Assert.Equal(c.SeqLen, hf.MaxPositionEmbeddings);
        Assert.Equal(c.HeadSize, hf.HeadDimOrDefault);
        Assert.Equal(c.SharedClassifier, hf.TieWordEmbeddings);
    }

    [SkippableFact]
    public void Qwen2ArchSafetensors_SharesEmbeddingsAndMlpWithLlama2C()
    {
        using var ckpt = Llama2CCheckpoint.Open(TestData.Require("stories260k/stories260K.bin"));
        using var hf = SafetensorsModel.Open(TestData.Require("stories260k/qwen2arch/hf"));
        AssertSame(ckpt.GetTensorFloats("token_embedding_table"), hf.GetTensorData("model.embed_tokens.weight"), "embeddings");
        AssertSame(ckpt.GetLayerData("w2", 4), hf.GetTensorData("model.layers.4.mlp.down_proj.weight"), "layer 4 down_proj");
        // The synthetic biases exist only on the Qwen2 side: [heads*hd] and [kv_heads*hd].
        Assert.Equal([64L], hf.GetTensor("model.layers.0.self_attn.q_proj.bias").Shape);
        Assert.Equal([32L], hf.GetTensor("model.layers.0.self_attn.k_proj.bias").Shape);
    }
}
