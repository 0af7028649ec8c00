// The generation loop on stories260K: greedy from BOS reproduces llama2.c run.c's token sequence;
// max tokens and stop tokens end it; a second call reuses the cached prefix.
using System.Globalization;
using Meridian.Backends.Cpu;
using Meridian.Engine.Generation;
using Meridian.Engine.Sampling;
using Meridian.Models;
using Meridian.Tests.Shared;

namespace Meridian.Engine.Tests.Generation;

public sealed class TextGeneratorTests : IDisposable
{
    private readonly CpuDevice _device = new(threads: 2);

    public void Dispose() => _device.Dispose();

    [SkippableFact]
    public void Greedy_FromBos_ReproducesRunCSequence()
    {
        int[] expected = Sequence(TestData.Require("stories260k/reference/runc.greedy_bos_200.ids.txt"));
        using var model = ModelLoader.Load(TestData.Require("stories260k/stories260K.bin"), _device);
        using var generator = new TextGenerator(model, capacity: 256);
        var got = new List<int>();
        var result = generator.Generate([1], new GenerationOptions(expected.Length - 1, new HashSet<int> { 2 }), Greedy(model), got.Add);
        Assert.Equal(expected[1..], got);
        Assert.Equal(StopReason.Length, result.StopReason);
        Assert.Equal(1, result.PromptTokens);
    }

    [SkippableFact]
    public void StopToken_EndsGeneration_AndIsNotEmitted()
    {
        int[] expected = Sequence(TestData.Require("stories260k/reference/runc.greedy_bos_200.ids.txt"));
        using var model = ModelLoader.Load(TestData.Require("stories260k/stories260K-F32.gguf"), _device);
        using var generator = new TextGenerator(model, capacity: 256);
        var got = new List<int>();
        // Treat the 4th greedy token as a stop token: three tokens come out, then it stops.
        var result = generator.Generate([1], new GenerationOptions(50, new HashSet<int> { expected[4] }), Greedy(model), got.Add);
        Assert.Equal(StopReason.StopToken, result.StopReason);
        Assert.Equal(expected[1..4], got);
    }

    [SkippableFact]
    public void SecondCall_ReusesPrefix_AndMatchesFreshRun()
    {
        int[] expected = Sequence(TestData.Require("stories260k/reference/runc.greedy_bos_200.ids.txt"));
        using var model = ModelLoader.Load(TestData.Require("stories260k/stories260K-F32.gguf"), _device);
        using var generator = new TextGenerator(model, capacity: 256);
        var greedy = Greedy(model);
        var none = new HashSet<int>();
        generator.Generate(expected[..10], new GenerationOptions(5, none), greedy, _ => { });
        var got = new List<int>();
        var result = generator.Generate(expected[..20], new GenerationOptions(10, none), greedy, got.Add);
        // The first call cached the 10 prompt tokens and fed 4 of its 5 greedy tokens (= expected[10..14]),
        // so 14 positions are reused and 6 fed.
        Assert.Equal(6, result.PromptTokens);
        Assert.Equal(expected[20..30], got);
    }

    private static TokenSampler Greedy(ILanguageModel model) =>
        new Sampler(new SamplingOptions { Temperature = 0 }, model.VocabSize).Sample;

    private static int[] Sequence(string idsPath) =>
        File.ReadLines(idsPath).First(l => l.StartsWith("sequence ", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
}
