// Issue 18: mixture-of-experts models against llama.cpp (LLamaSharp 0.30) on synthetic models written by our GGUF
// writer in llama.cpp's layout: experts as 3-D tensors [E, rows, cols], an f32 router (as llama-quantize leaves
// it). Mixtral (GGUF "llama" with 4 experts, 2 per token, renormalised), Qwen3-MoE (8 experts, 3 per token, per-head
// q/k norms), OLMoE (8 experts, 2 per token, not renormalised, q/k norms over all heads). The router's scores spread
// widely, so tokens route differently (checked). Also held to the scalar forward (SyntheticModel.ReferenceForward),
// and the Hugging Face route (one tensor per expert) to the GGUF route.
using Meridian.Backends.Cpu;
using Meridian.Core.Backends;
using Meridian.Core.Ops;
using Meridian.Core.Tensors;
using Meridian.Tests.Shared;
using Xunit.Abstractions;

namespace Meridian.Models.Tests;

public sealed class MoeLiveComparisonTests(ITestOutputHelper output)
{
    private static readonly int[] Prompt = ArchitectureRuns.Prompt;

    private static SyntheticModel Model(string arch, int layers = 2) =>
        SyntheticModel.Random(arch, new SyntheticShape(D: 256, F: 256, V: SyntheticModel.SpmVocabSize, H: 4, Hkv: arch == "olmoe" ? 4 : 2, Dh: 64, L: layers), seed: 31);

    private static RopeLayout Layout(string arch) => arch == "mixtral" ? RopeLayout.Interleaved : RopeLayout.RotateHalf;

    public static TheoryData<string, DType> Cases()
    {
        var cases = new TheoryData<string, DType>();
        foreach (string arch in (string[])["mixtral", "qwen3moe", "olmoe"])
            foreach (var type in (DType[])[DType.F32, DType.Q8_0, DType.Q4_K])
                cases.Add(arch, type);
        return cases;
    }

    // Router scores are O(6) (SyntheticModel's router); the weights' and activations' 8-bit rounding upstream moves them
    // by a few hundredths. A token whose last chosen and first unchosen experts score closer than this may route
    // differently in the two engines, which changes its output by far more than rounding: such positions are left out
    // of the quantized comparisons, as near-ties are in the greedy-token checks. Those models have one layer, so a
    // route that differs cannot reach the positions after it through a later layer's attention; f32 (rounding too
    // small to move a route) is compared everywhere, over two layers.
    private const float NearTie = 0.3f;

    [Theory]
    [MemberData(nameof(Cases))]
    public void SyntheticMoe_32Positions_LogitsMatchLlamaCppAndTheScalarForward(string arch, DType type)
    {
        float tolerance = LlamaCppLiveComparisonTests.Tolerance[type];
        using var dir = new TempDir();
        string path = dir.File($"{arch}-{type.Name()}.gguf");
        var synthetic = Model(arch, layers: type == DType.F32 ? 2 : 1);
        synthetic.WriteGguf(path, type, withVocab: true, seed: (int)type);
        int v = synthetic.Shape.V;
        float[] expected = LlamaCppLiveComparisonTests.LlamaCppLogits(path, Prompt, v);
        float[] actual = ArchitectureRuns.Run(path, v);
        bool int8 = CpuDevice.QuantizesActivations(type, synthetic.Shape.D);
        var reference = synthetic.ReferenceForward(Prompt, Layout(arch), int8 ? (_, cols) => CpuDevice.QuantizesActivations(type, cols) : null);
        // Where both round activations through int8, a code that rounds the other way after a last-bit difference upstream
        // moves the result (LlamaCppLiveComparisonTests' 0.06); each token's k experts add k such chances: measured 0.068.
        ArchitectureRuns.AssertMoeClose(output, $"{arch} {type.Name()}", synthetic, expected, actual, reference,
            leaveOutNearTies: type != DType.F32, NearTie, tolerance, int8 ? 0.12f : 1e-4f);
    }

    // The tokens of the prompt do not all go to the same experts: in the first layer, the chosen sets differ.
    [Theory]
    [InlineData("mixtral")]
    [InlineData("qwen3moe")]
    [InlineData("olmoe")]
    public void Tokens_RouteToDifferentExperts(string arch)
    {
        var synthetic = Model(arch);
        var (experts, used) = SyntheticModel.MoeShape(arch);
        var s = synthetic.Shape;
        var (_, _, router) = synthetic.Weights["blk.0.ffn_gate_inp.weight"];
        var (_, _, embedding) = synthetic.Weights["token_embd.weight"];
        var sets = new HashSet<string>();
        var usedExperts = new HashSet<int>();
        foreach (int token in Prompt)
        {
            var scores = new float[experts];
            ReferenceOps.MatMulReference(DType.F32, System.Runtime.InteropServices.MemoryMarshal.AsBytes(router.AsSpan()), experts, s.D,
                embedding.AsSpan(token * s.D, s.D), scores);
            var ids = new int[used];
            ReferenceOps.MoeRouteReference(scores, experts, used, true, ids, new float[used]);
            sets.Add(string.Join(",", ids.Order()));
            usedExperts.UnionWith(ids);
        }
        output.WriteLine($"{arch}: {sets.Count} distinct expert sets over {Prompt.Length} tokens; {usedExperts.Count} of {experts} experts used");
        // At least half of the possible sets (C(E, k)), or 8 of them where there are more.
        long possible = 1;
        for (int i = 0; i < used; i++)
            possible = possible * (experts - i) / (i + 1);
        Assert.True(sets.Count >= Math.Min(8, possible / 2), $"{arch}: only {sets.Count} distinct expert sets of {possible}");
        Assert.Equal(experts, usedExperts.Count);
    }

    // The Hugging Face directory (one tensor per expert: Mixtral's block_sparse_moe.experts.N.w1/w3/w2, Qwen3-MoE's and
    // OLMoE's mlp.experts.N.gate_proj/up_proj/down_proj) gives the GGUF route's logits.
    [Theory]
    [InlineData("mixtral")]
    [InlineData("qwen3moe")]
    [InlineData("olmoe")]
    public void HfDirectory_GivesTheGgufLogits(string arch)
    {
        using var dir = new TempDir();
        var synthetic = Model(arch);
        string gguf = dir.File($"{arch}.gguf");
        synthetic.WriteGguf(gguf, DType.F32, withVocab: true);
        string hf = Directory.CreateDirectory(dir.File($"{arch}-hf")).FullName;
        synthetic.WriteHf(hf);
        int v = synthetic.Shape.V;
        // GGUF Mixtral has interleaved Q/K; its HF checkpoint rotate-half ones, which the loader reads as they are.
        float worst = ArchitectureRuns.MaxAbsDiff(ArchitectureRuns.Run(gguf, v), ArchitectureRuns.Run(hf, v), out _);
        output.WriteLine($"{arch}: HF directory vs GGUF {worst:G3}");
        Assert.True(worst <= 1e-4f, $"{arch}: HF directory vs GGUF {worst}");
    }

    // `meridian convert` stacks the Hugging Face experts into GGUF's 3-D tensors (Mixtral's Q/K permuted as for Llama):
    // Meridian and llama.cpp read the converted file with the directory's logits. `meridian quantize` Q4_K_M then keeps the
    // router f32, gives ffn_down_exps Q6_K in llama-quantize's more-bits layers and the other experts Q4_K, and llama.cpp
    // loads the result.
    [Theory]
    [InlineData("mixtral")]
    [InlineData("qwen3moe")]
    [InlineData("olmoe")]
    public void ConvertAndQuantize_StackExpertsAsLlamaCppDoes(string arch)
    {
        using var dir = new TempDir();
        var synthetic = Model(arch);
        string withVocab = dir.File($"{arch}-vocab.gguf");
        synthetic.WriteGguf(withVocab, DType.F32, withVocab: true);
        string hf = Directory.CreateDirectory(dir.File($"{arch}-hf")).FullName;
        synthetic.WriteHf(hf);
        string converted = dir.File($"{arch}-converted.gguf");
        Conversion.HfToGguf.Convert(hf, converted, new Conversion.HfToGgufOptions { Name = "synthetic", Tokenizer = Tokenizers.TokenizerLoader.LoadSpec(withVocab) });
        int v = synthetic.Shape.V;
        float[] fromHf = ArchitectureRuns.Run(hf, v), fromConverted = ArchitectureRuns.Run(converted, v);
        float meridian = ArchitectureRuns.MaxAbsDiff(fromHf, fromConverted, out _);
        float llamaCpp = ArchitectureRuns.MaxAbsDiff(LlamaCppLiveComparisonTests.LlamaCppLogits(converted, Prompt, v), fromConverted, out _);
        output.WriteLine($"{arch} converted: vs the HF directory {meridian:G3}; llama.cpp vs Meridian on the file {llamaCpp:G3}");
        Assert.True(meridian <= 1e-5f, $"{arch}: the converted file differs from the HF directory by {meridian}");
        Assert.True(llamaCpp <= LlamaCppLiveComparisonTests.Tolerance[DType.F32], $"{arch}: llama.cpp on the converted file differs by {llamaCpp}");

        string quantized = dir.File($"{arch}-Q4_K_M.gguf");
        Conversion.GgufQuantizer.Quantize(converted, quantized, Conversion.QuantRecipe.Parse("Q4_K_M"));
        using (var file = Formats.Gguf.GgufFile.Open(quantized))
        {
            var (experts, _) = SyntheticModel.MoeShape(arch);
            Assert.Equal(DType.F32, file.GetTensor("blk.0.ffn_gate_inp.weight").Type);
            Assert.Equal([256L, 256L, experts], file.GetTensor("blk.0.ffn_gate_exps.weight").Dimensions);
            Assert.Equal(DType.Q4_K, file.GetTensor("blk.0.ffn_gate_exps.weight").Type);
            Assert.Equal(DType.Q4_K, file.GetTensor("blk.0.ffn_down_exps.weight").Type);
            Assert.Equal(DType.Q6_K, file.GetTensor("blk.1.ffn_down_exps.weight").Type); // the last eighth of the layers
        }
        var logits = LlamaCppLiveComparisonTests.LlamaCppLogits(quantized, Prompt, v);
        Assert.All(logits, x => Assert.True(float.IsFinite(x)));
    }
}
