// Issue 18: GPT-OSS against llama.cpp (LLamaSharp 0.30, its "gpt-oss" architecture) on synthetic models written by our
// GGUF writer in llama.cpp's layout: per-head attention sinks, windows of 5 on even layers, q/k/v/output biases, a
// router with a bias, 8 experts (2 per token) with biases large enough to reach the clamped SwiGLU's ±7, in f32,
// Q8_0 and MXFP4 (the format GPT-OSS ships its experts in), and YaRN rope scaling. Also held to the scalar forward
// pass written from the model card (SyntheticModel.GptOssReferenceForward).
using Meridian.Backends.Cpu;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;
using Meridian.Tests.Shared;
using Xunit.Abstractions;

namespace Meridian.Models.Tests;

public sealed class GptOssLiveComparisonTests(ITestOutputHelper output)
{
    private static readonly int[] Prompt = ArchitectureRuns.Prompt;

    // As MoeLiveComparisonTests: quantized models have one layer and leave out positions whose routing is a near-tie.
    private const float NearTie = 0.3f;

    private static SyntheticModel Model(int layers, float yarn = 0)
    {
        var m = SyntheticModel.Random("gpt-oss", new SyntheticShape(D: 256, F: 256, V: SyntheticModel.SpmVocabSize, H: 4, Hkv: 2, Dh: 64, L: layers), seed: 41);
        m.SlidingWindow = 5;
        if (yarn > 0)
        {
            m.YarnFactor = yarn;
            m.OriginalContext = 16;
        }
        return m;
    }

    public static TheoryData<DType, float> Cases() => new()
    {
        { DType.F32, 0f }, { DType.F32, 32f }, { DType.Q8_0, 0f }, { DType.MXFP4, 0f },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void SyntheticGptOss_32Positions_LogitsMatchLlamaCppAndTheScalarForward(DType type, float yarn)
    {
        float tolerance = LlamaCppLiveComparisonTests.Tolerance[type];
        using var dir = new TempDir();
        string path = dir.File($"gpt-oss-{type.Name()}.gguf");
        var synthetic = Model(type == DType.F32 ? 2 : 1, yarn);
        synthetic.WriteGguf(path, type, withVocab: true, seed: (int)type);
        int v = synthetic.Shape.V;
        float[] expected = LlamaCppLiveComparisonTests.LlamaCppLogits(path, Prompt, v);
        float[] actual = ArchitectureRuns.Run(path, v);
        bool int8 = CpuDevice.QuantizesActivations(type, synthetic.Shape.D);
        var reference = synthetic.ReferenceForward(Prompt, RopeLayout.RotateHalf, int8 ? (_, cols) => CpuDevice.QuantizesActivations(type, cols) : null);
        ArchitectureRuns.AssertMoeClose(output, $"gpt-oss {type.Name()}{(yarn > 0 ? $" yarn {yarn}" : "")}", synthetic, expected, actual, reference,
            leaveOutNearTies: type != DType.F32, NearTie, tolerance, int8 ? 0.12f : 1e-4f);
    }

    // The quirks are applied: without sinks, without the window, without the expert biases or without YaRN the scalar
    // forward gives logits far from Meridian's (which equal llama.cpp's above).
    [Fact]
    public void Quirks_Bite()
    {
        using var dir = new TempDir();
        string path = dir.File("gpt-oss.gguf");
        var synthetic = Model(2);
        synthetic.WriteGguf(path, DType.F32, withVocab: true);
        float[] actual = ArchitectureRuns.Run(path, synthetic.Shape.V);
        float Off(Action<SyntheticModel> change)
        {
            var m = Model(2);
            change(m);
            return ArchitectureRuns.MaxAbsDiff(m.ReferenceForward(Prompt, RopeLayout.RotateHalf), actual, out _);
        }
        Assert.True(Off(m => m.SlidingWindow = 0) > 0.05f, "no window gives the same logits");
        Assert.True(Off(m =>
        {
            foreach (var key in m.Weights.Keys.Where(k => k.EndsWith("attn_sinks.weight", StringComparison.Ordinal)).ToList())
                Array.Fill(m.Weights[key].Data, -1e9f);
        }) > 0.05f, "no sinks give the same logits");
        Assert.True(Off(m =>
        {
            foreach (var key in m.Weights.Keys.Where(k => k.EndsWith("_exps.bias", StringComparison.Ordinal)).ToList())
                Array.Clear(m.Weights[key].Data);
        }) > 0.05f, "no expert biases give the same logits");

        // YaRN: the scaled model (which matches llama.cpp above) is far from the same weights without scaling.
        string yarnPath = dir.File("gpt-oss-yarn.gguf");
        var yarn = Model(2, yarn: 32);
        yarn.WriteGguf(yarnPath, DType.F32, withVocab: true);
        float[] scaled = ArchitectureRuns.Run(yarnPath, yarn.Shape.V);
        Assert.True(ArchitectureRuns.MaxAbsDiff(Model(2).ReferenceForward(Prompt, RopeLayout.RotateHalf), scaled, out _) > 0.05f, "YaRN gives the unscaled logits");
    }

    // The Hugging Face directory, dequantized (experts for x · W, gate and up interleaved) or as MXFP4 blocks (OpenAI's
    // layout), gives the GGUF route's logits, YaRN included.
    [Theory]
    [InlineData(DType.F32, false)]
    [InlineData(DType.MXFP4, true)]
    public void HfDirectory_GivesTheGgufLogits(DType type, bool mxfp4)
    {
        using var dir = new TempDir();
        var synthetic = Model(2, yarn: 32);
        string gguf = dir.File($"gpt-oss-{type.Name()}.gguf");
        synthetic.WriteGguf(gguf, type, withVocab: true); // decodes MXFP4 back into the weights, so both routes hold them
        string hf = Directory.CreateDirectory(dir.File("gpt-oss-hf")).FullName;
        synthetic.WriteHf(hf, mxfp4);
        int v = synthetic.Shape.V;
        float worst = ArchitectureRuns.MaxAbsDiff(ArchitectureRuns.Run(gguf, v), ArchitectureRuns.Run(hf, v), out _);
        output.WriteLine($"gpt-oss {(mxfp4 ? "MXFP4" : "dequantized")} HF directory vs GGUF {type.Name()}: {worst:G3}");
        Assert.True(worst <= 1e-5f, $"HF directory vs GGUF: {worst}");
    }

    // `meridian convert` of the Hugging Face directory (its experts rebuilt and stacked into 3-D tensors, YaRN's keys)
    // gives a file Meridian reads as it reads the directory and llama.cpp runs with the same logits; from OpenAI's MXFP4
    // layout too (the experts decoded to the recipe's type).
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Convert_HfDirectory_RunsInLlamaCppAndMeridianAlike(bool mxfp4)
    {
        using var dir = new TempDir();
        var synthetic = Model(2, yarn: 32);
        string withVocab = dir.File("gpt-oss-vocab.gguf");
        synthetic.WriteGguf(withVocab, mxfp4 ? DType.MXFP4 : DType.F32, withVocab: true);
        string hf = Directory.CreateDirectory(dir.File("gpt-oss-hf")).FullName;
        synthetic.WriteHf(hf, mxfp4);
        string converted = dir.File("gpt-oss-converted.gguf");
        Conversion.HfToGguf.Convert(hf, converted, new Conversion.HfToGgufOptions { Name = "synthetic", Tokenizer = Tokenizers.TokenizerLoader.LoadSpec(withVocab) });
        using (var file = Formats.Gguf.GgufFile.Open(converted))
        {
            Assert.Equal([256L, 256L, 8L], file.GetTensor("blk.0.ffn_gate_exps.weight").Dimensions);
            Assert.Equal([256L, 8L], file.GetTensor("blk.0.ffn_up_exps.bias").Dimensions);
            Assert.Equal("yarn", file.GetString("gpt-oss.rope.scaling.type"));
        }
        int v = synthetic.Shape.V;
        float[] fromHf = ArchitectureRuns.Run(hf, v), fromConverted = ArchitectureRuns.Run(converted, v);
        float meridian = ArchitectureRuns.MaxAbsDiff(fromHf, fromConverted, out _);
        float llamaCpp = ArchitectureRuns.MaxAbsDiff(LlamaCppLiveComparisonTests.LlamaCppLogits(converted, Prompt, v), fromConverted, out _);
        output.WriteLine($"gpt-oss converted{(mxfp4 ? " from MXFP4" : "")}: vs the HF directory {meridian:G3}; llama.cpp vs Meridian on the file {llamaCpp:G3}");
        Assert.True(meridian <= 1e-5f, $"the converted file differs from the HF directory by {meridian}");
        Assert.True(llamaCpp <= LlamaCppLiveComparisonTests.Tolerance[DType.F32], $"llama.cpp on the converted file differs by {llamaCpp}");
    }
}
