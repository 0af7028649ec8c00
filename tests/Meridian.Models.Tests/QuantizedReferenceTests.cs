// stories260K in F16, BF16 and llama-quantize's mixed Q4_K_M / Q6_K files against llama.cpp's logits,
// plus the Qwen2-architecture variant (biases, rotate-half RoPE) from GGUF and HF safetensors.
using Meridian.Backends.Cpu;
using Meridian.Tests.Shared;

namespace Meridian.Models.Tests;

public sealed class QuantizedReferenceTests : IDisposable
{
    // Same weights as llama.cpp, decoded bit-exactly; llama.cpp's CPU dot products for f16/bf16 rows
    // round the activations to f16/bf16 first (vec_dot_f16 / vec_dot_bf16), we keep them f32. That
    // rounding (2^-11 relative for f16, 2^-8 for bf16) compounds over 5 layers and 200 positions;
    // measured max abs over all positions: f16 1.0e-2, bf16 1.0e-1. Bounds ~1.5-2x the measurement.
    private const float F16Tolerance = 2e-2f;
    private const float Bf16Tolerance = 1.5e-1f;

    // Q-type blocks: llama.cpp quantizes activations to q8_0/q8_K inside its dot products (testdata
    // README: expect ~1e-2 per dot between engines); over 5 layers the logits (range about ±15) moved
    // by at most 0.33 (Q6_K-mixed) and 0.28 (Q4_K_M-mixed, until its first near-tie at 135).
    private const float QuantizedTolerance = 0.5f;

    // Greedy ids may differ only after a near-tie: a position where the reference's top two
    // logits are closer than this (vLLM check_logprobs_close's rule, on raw logits).
    private const float NearTie = 0.05f;

    private readonly CpuDevice _device = new(threads: 2);

    public void Dispose() => _device.Dispose();

    [SkippableTheory]
    [InlineData("F16", F16Tolerance)]
    [InlineData("BF16", Bf16Tolerance)]
    [InlineData("Q4_K_M-mixed", QuantizedTolerance)]
    [InlineData("Q6_K-mixed", QuantizedTolerance)]
    public void Gguf_EachDType_MatchesLlamaCpp(string variant, float tolerance)
    {
        Check($"stories260k/stories260K-{variant}.gguf", $"stories260k/reference/{variant}.greedy_bos_200.kvf32.ids.txt", tolerance);
    }

    [SkippableTheory]
    [InlineData("stories260k/qwen2arch/stories260K-qwen2arch-F32.gguf", "greedy_bos_200")]
    [InlineData("stories260k/qwen2arch/hf", "greedy_bos_200")]
    [InlineData("stories260k/qwen2arch/stories260K-qwen2arch-F32.gguf", "greedy_prompt_once_upon_a_time_64")]
    [InlineData("stories260k/qwen2arch/hf", "greedy_prompt_once_upon_a_time_64")]
    public void Qwen2Arch_GgufAndHf_MatchLlamaCpp(string modelPath, string run)
    {
        Check(modelPath, $"stories260k/qwen2arch/reference/{run}.kvf32.ids.txt", 1e-4f);
    }

    private void Check(string modelPath, string idsPath, float tolerance)
    {
        var reference = ReferenceRun.Load(TestData.Require(idsPath));
        using var model = ModelLoader.Load(TestData.Require(modelPath), _device);
        using var state = new SequenceState(model, capacity: 512);

        // Prefill the prompt, then decode our own greedy choice while it agrees with the reference.
        int promptLength = reference.PromptTokens.Length;
        var v = model.VocabSize;
        var logits = new float[promptLength * v];
        state.Forward(reference.Sequence.AsSpan(0, promptLength), 0, logits);
        for (int i = 0; i < promptLength; i++)
            LlamaReferenceTests.AssertClose(reference.Row(i), logits.AsSpan(i * v, v), tolerance, $"{modelPath} prompt position {i}");
        var row = logits.AsSpan((promptLength - 1) * v, v).ToArray();
        for (int i = promptLength - 1; i < reference.Rows - 1; i++)
        {
            int ours = ArgMax(row);
            int theirs = reference.Sequence[i + 1];
            if (ours != theirs)
            {
                Assert.True(IsNearTie(reference.Row(i)), $"{modelPath}: greedy token at position {i + 1} is {ours}, llama.cpp chose {theirs}, and that was no near-tie");
                return; // the sequences diverge after a near-tie; later logits are not comparable
            }
            state.Forward([ours], i + 1, row);
            LlamaReferenceTests.AssertClose(reference.Row(i + 1), row, tolerance, $"{modelPath} position {i + 1}");
        }
    }

    private static int ArgMax(ReadOnlySpan<float> x)
    {
        int best = 0;
        for (int i = 1; i < x.Length; i++)
            if (x[i] > x[best])
                best = i;
        return best;
    }

    private static bool IsNearTie(ReadOnlySpan<float> x)
    {
        float first = float.NegativeInfinity, second = float.NegativeInfinity;
        foreach (float f in x)
        {
            if (f > first)
                (first, second) = (f, first);
            else if (f > second)
                second = f;
        }
        return first - second < NearTie;
    }
}
