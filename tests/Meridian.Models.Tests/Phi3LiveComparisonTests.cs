// Issue 18: Phi-3 / Phi-4-mini against llama.cpp (LLamaSharp 0.30) on synthetic models written by our GGUF writer in
// llama.cpp's phi3 layout: fused attn_qkv and gate-up weights, partial rotary embedding (48 of 64 dimensions) and
// LongRoPE (short and long factors, an attention factor), over a 32-token prompt. Also held to the scalar forward
// pass (SyntheticModel.ReferenceForward over the split matrices), and the Hugging Face directory route and
// `meridian convert` to the GGUF route.
using Meridian.Backends.Cpu;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;
using Meridian.Tests.Shared;
using Xunit.Abstractions;

namespace Meridian.Models.Tests;

public sealed class Phi3LiveComparisonTests(ITestOutputHelper output)
{
    private static readonly int[] Prompt = ArchitectureRuns.Prompt;

    // llama.cpp runs these models with a context of SyntheticModel.ContextLength (64) positions, which it pads to 256,
    // so an original context of 32 selects the long factors and one of 4096 the short ones; Meridian is told 64.
    private static readonly ModelLoadOptions AtTestContext = new() { MaxContext = SyntheticModel.ContextLength };

    private static SyntheticModel Model(bool longRope, int original = 32)
    {
        var shape = new SyntheticShape(D: 256, F: 512, V: SyntheticModel.SpmVocabSize, H: 4, Hkv: 2, Dh: 64, L: 2);
        var m = SyntheticModel.Random("phi3", shape, seed: 9);
        m.RotaryDim = 48;
        if (longRope)
        {
            // Divisors far from 1 and from each other, so the wrong set (or none) is visible in the logits.
            m.ShortFactors = Enumerable.Range(0, 24).Select(i => 1f + 0.05f * i).ToArray();
            m.LongFactors = Enumerable.Range(0, 24).Select(i => 1f + 2f * i).ToArray();
            m.OriginalContext = original;
            // transformers' LongRoPE attention factor for max_position_embeddings / original = 64 / original
            double scale = (double)SyntheticModel.ContextLength / original;
            m.AttnFactor = scale <= 1 ? 1f : (float)Math.Sqrt(1 + Math.Log(scale) / Math.Log(original));
        }
        return m;
    }

    public static TheoryData<DType, bool> Cases() => new()
    {
        { DType.F32, false }, { DType.F32, true }, { DType.Q8_0, true }, { DType.Q4_K, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void SyntheticPhi3_32Positions_LogitsMatchLlamaCppAndTheScalarForward(DType type, bool longRope)
    {
        float tolerance = LlamaCppLiveComparisonTests.Tolerance[type];
        using var dir = new TempDir();
        string path = dir.File($"phi3-{type.Name()}.gguf");
        var synthetic = Model(longRope);
        synthetic.WriteGguf(path, type, withVocab: true, seed: (int)type);
        int v = synthetic.Shape.V;
        float[] expected = LlamaCppLiveComparisonTests.LlamaCppLogits(path, Prompt, v);
        float[] actual = ArchitectureRuns.Run(path, v, AtTestContext);
        float rms = MathF.Sqrt(expected.Sum(x => x * x) / expected.Length);
        Assert.True(rms >= 0.5f, $"phi3 {type.Name()}: llama.cpp's logits have RMS {rms}; too small for the comparison to mean anything");
        float worst = ArchitectureRuns.MaxAbsDiff(expected, actual, out int at);
        output.WriteLine($"phi3 {type.Name()}{(longRope ? " longrope" : "")}: max |logit diff| vs llama.cpp {worst:G3} at position {at / v} (tolerance {tolerance}, logit RMS {rms:G3})");
        Assert.True(worst <= tolerance, $"phi3 {type.Name()}: max |logit diff| vs llama.cpp {worst} at position {at / v} > {tolerance}");

        bool int8 = CpuDevice.QuantizesActivations(type, synthetic.Shape.D);
        var reference = synthetic.ReferenceForward(Prompt, RopeLayout.RotateHalf, int8 ? (_, cols) => CpuDevice.QuantizesActivations(type, cols) : null);
        float vsReference = ArchitectureRuns.MaxAbsDiff(reference, actual, out _);
        output.WriteLine($"phi3 {type.Name()}: max |logit diff| vs the scalar forward {vsReference:G3}");
        Assert.True(vsReference <= (int8 ? 0.06f : 1e-4f), $"phi3 {type.Name()}: max |logit diff| vs the scalar forward {vsReference}");
    }

    // The quirks are applied by both engines: full rotation, the short factors where the long ones apply, or no
    // attention factor give logits far from what llama.cpp and Meridian computed; and a context within the original
    // one selects the short factors in both.
    [Fact]
    public void Quirks_Bite()
    {
        using var dir = new TempDir();
        string path = dir.File("phi3.gguf");
        var synthetic = Model(longRope: true);
        synthetic.WriteGguf(path, DType.F32, withVocab: true);
        int v = synthetic.Shape.V;
        float[] actual = ArchitectureRuns.Run(path, v, AtTestContext);
        float Off(Action<SyntheticModel> change)
        {
            var m = Model(longRope: true);
            change(m);
            return ArchitectureRuns.MaxAbsDiff(m.ReferenceForward(Prompt, RopeLayout.RotateHalf), actual, out _);
        }
        Assert.True(Off(m =>
        {
            m.RotaryDim = 0; // all 64 dimensions turn: 32 divisors, the 8 new ones 1
            m.ShortFactors = [.. m.ShortFactors!, .. Enumerable.Repeat(1f, 8)];
            m.LongFactors = [.. m.LongFactors!, .. Enumerable.Repeat(1f, 8)];
        }) > 0.05f, "full rotation gives the same logits");
        Assert.True(Off(m => m.LongFactors = m.ShortFactors) > 0.05f, "the short factors give the same logits");
        Assert.True(Off(m => m.AttnFactor = 1f) > 0.05f, "no attention factor gives the same logits");

        // Original context 4096, past the run's: short factors, in llama.cpp and in Meridian.
        string shortPath = dir.File("phi3-short.gguf");
        var shortModel = Model(longRope: true, original: 4096);
        shortModel.WriteGguf(shortPath, DType.F32, withVocab: true);
        float[] llamaCpp = LlamaCppLiveComparisonTests.LlamaCppLogits(shortPath, Prompt, v);
        float[] meridian = ArchitectureRuns.Run(shortPath, v, AtTestContext);
        float worst = ArchitectureRuns.MaxAbsDiff(llamaCpp, meridian, out _);
        output.WriteLine($"phi3 short factors: max |logit diff| vs llama.cpp {worst:G3}");
        Assert.True(worst <= LlamaCppLiveComparisonTests.Tolerance[DType.F32], $"short factors: {worst}");
        Assert.True(ArchitectureRuns.MaxAbsDiff(shortModel.ReferenceForward(Prompt, RopeLayout.RotateHalf), meridian, out _) <= 1e-4f, "short factors vs the scalar forward");
    }

    // The Hugging Face directory (qkv_proj and gate_up_proj fused, partial_rotary_factor, rope_scaling longrope with the
    // attention factor transformers derives) gives the GGUF route's logits, and so does its `meridian convert` output,
    // which llama.cpp runs too.
    [Theory]
    [InlineData(DType.F32)]
    [InlineData(DType.Q8_0)]
    public void HfDirectoryAndConversion_GiveTheGgufLogits(DType type)
    {
        using var dir = new TempDir();
        var synthetic = Model(longRope: true);
        string gguf = dir.File("phi3.gguf");
        synthetic.WriteGguf(gguf, DType.F32, withVocab: true);
        string hf = Directory.CreateDirectory(dir.File("phi3-hf")).FullName;
        synthetic.WriteHf(hf);
        int v = synthetic.Shape.V;
        float[] fromGguf = ArchitectureRuns.Run(gguf, v, AtTestContext), fromHf = ArchitectureRuns.Run(hf, v, AtTestContext);
        float hfDiff = ArchitectureRuns.MaxAbsDiff(fromGguf, fromHf, out _);
        output.WriteLine($"phi3: HF directory vs GGUF {hfDiff:G3}");
        Assert.True(hfDiff <= 1e-5f, $"HF directory vs GGUF: {hfDiff}");

        string converted = dir.File($"phi3-converted-{type.Name()}.gguf");
        // Named "synthetic": llama.cpp gives any model named "phi3" Phi-3's special-token attributes, looking up
        // "<|endoftext|>", which the byte vocabulary does not have.
        Conversion.HfToGguf.Convert(hf, converted, new Conversion.HfToGgufOptions { Type = type, Name = "synthetic", Tokenizer = Tokenizers.TokenizerLoader.LoadSpec(gguf) });
        float[] fromConverted = ArchitectureRuns.Run(converted, v, AtTestContext);
        float convertedDiff = ArchitectureRuns.MaxAbsDiff(fromHf, fromConverted, out _);
        float llamaCpp = ArchitectureRuns.MaxAbsDiff(LlamaCppLiveComparisonTests.LlamaCppLogits(converted, Prompt, v), fromConverted, out _);
        output.WriteLine($"phi3 converted {type.Name()}: vs the HF directory {convertedDiff:G3}; llama.cpp vs Meridian on the file {llamaCpp:G3}");
        Assert.True(convertedDiff <= (type == DType.F32 ? 1e-5f : 0.2f), $"converted vs HF directory: {convertedDiff}");
        Assert.True(llamaCpp <= LlamaCppLiveComparisonTests.Tolerance[type], $"llama.cpp on the converted file: {llamaCpp}");
    }
}
