// The tiny random-weight Llama 2 (dim 8, F16, 32,000-token vocab) against llama.cpp's logits for
// "Hello world" (prompt, then 29 greedy steps).
using Meridian.Backends.Cpu;
using Meridian.Tests.Shared;

namespace Meridian.Models.Tests;

public sealed class TinyRandomLlama2Tests
{
    // F16 weights, logits of about ±0.2 (testdata README: compare with a tolerance, not greedy ids);
    // llama.cpp rounds activations to f16 in its f16 dot products, ~1e-3 of these small values.
    private const float Tolerance = 2e-3f;

    [SkippableFact]
    public void Gguf_HelloWorld_MatchesLlamaCppLogits()
    {
        var reference = ReferenceRun.Load(TestData.Require("tiny-random-llama2/reference/llama-2-tiny-random.greedy_prompt_hello_world_32.kvf32.ids.txt"));
        using var device = new CpuDevice(threads: 2);
        using var model = ModelLoader.Load(TestData.Require("tiny-random-llama2/llama-2-tiny-random.gguf"), device);
        using var state = new SequenceState(model, capacity: 64);
        var logits = new float[reference.Rows * model.VocabSize];
        // Feed llama.cpp's own sequence (its near-tied greedy picks are not ours to reproduce).
        state.Forward(reference.Sequence.AsSpan(0, reference.Rows), 0, logits);
        for (int i = 0; i < reference.Rows; i++)
            LlamaReferenceTests.AssertClose(reference.Row(i), logits.AsSpan(i * model.VocabSize, model.VocabSize), Tolerance, $"position {i}");
    }
}
