// stories260K (Karpathy's tinyllamas, MIT) through every loader and weight dtype, against logits
// from llama.cpp (GGUF, F32 KV cache) and llama2.c run.c (the checkpoint).
using Meridian.Backends.Cpu;
using Meridian.Tests.Shared;

namespace Meridian.Models.Tests;

public sealed class LlamaReferenceTests : IDisposable
{
    // F32 weights: only summation order differs from llama.cpp/run.c; the bound.
    private const float F32Tolerance = 1e-4f;

    private readonly CpuDevice _device = new(threads: 2);

    public void Dispose() => _device.Dispose();

    [SkippableFact]
    public void Gguf_F32_StepByStep_MatchesLlamaCppAtAll200Positions()
    {
        var reference = ReferenceRun.Load(TestData.Require("stories260k/reference/F32.greedy_bos_200.kvf32.ids.txt"));
        using var model = ModelLoader.Load(TestData.Require("stories260k/stories260K-F32.gguf"), _device);
        using var state = new SequenceState(model, capacity: 512);
        var logits = new float[model.VocabSize];
        for (int i = 0; i < reference.Rows; i++)
        {
            state.Forward(reference.Sequence.AsSpan(i, 1), i, logits);
            AssertClose(reference.Row(i), logits, F32Tolerance, $"position {i}");
        }
    }

    [SkippableFact]
    public void Gguf_F32_Prefill_MatchesLlamaCppAtAll200Positions()
    {
        var reference = ReferenceRun.Load(TestData.Require("stories260k/reference/F32.greedy_bos_200.kvf32.ids.txt"));
        using var model = ModelLoader.Load(TestData.Require("stories260k/stories260K-F32.gguf"), _device);
        using var state = new SequenceState(model, capacity: 512, maxBatch: 64); // 200 = 4 chunks, the last partial
        var logits = new float[reference.Rows * model.VocabSize];
        state.Forward(reference.Sequence.AsSpan(0, reference.Rows), 0, logits);
        for (int i = 0; i < reference.Rows; i++)
            AssertClose(reference.Row(i), logits.AsSpan(i * model.VocabSize, model.VocabSize), F32Tolerance, $"position {i}");
    }

    [SkippableTheory]
    [InlineData("stories260k/stories260K.bin")]
    [InlineData("stories260k/stories260K.v1-export.bin")]
    [InlineData("stories260k/hf")]
    [InlineData("stories260k/stories260K-F32.gguf")]
    public void EveryLoader_MatchesRunC(string modelPath)
    {
        var reference = ReferenceRun.Load(TestData.Require("stories260k/reference/runc.greedy_bos_200.ids.txt"));
        using var model = ModelLoader.Load(TestData.Require(modelPath), _device);
        using var state = new SequenceState(model, capacity: 512);
        var logits = new float[reference.Rows * model.VocabSize];
        state.Forward(reference.Sequence.AsSpan(0, reference.Rows), 0, logits);
        for (int i = 0; i < reference.Rows; i++)
            AssertClose(reference.Row(i), logits.AsSpan(i * model.VocabSize, model.VocabSize), F32Tolerance, $"{modelPath} position {i}");
    }

    internal static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        float worst = 0;
        int at = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            float e = MathF.Abs(expected[i] - actual[i]);
            if (!(e <= worst))
            {
                worst = e;
                at = i;
            }
        }
        Assert.True(worst <= tolerance, $"{what}: max abs error {worst} at {at} (expected {expected[at]}, got {actual[at]}) > {tolerance}");
    }
}
