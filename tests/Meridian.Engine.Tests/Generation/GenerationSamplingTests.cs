// The generation loop with the sampler chain, on a project-owned tiny model (no shared data): the
// sampler sees prompt + generated ids as its history, a seed fixes the tokens, a caller's stop ends
// the loop, the stopping knobs map from SamplingOptions, and stop strings split across tokens are cut.
using Meridian.Backends.Cpu;
using Meridian.Engine.Generation;
using Meridian.Engine.Sampling;
using Meridian.Models;
using Meridian.Models.Tokenizers;
using Meridian.Tests.Shared;

namespace Meridian.Engine.Tests.Generation;

public sealed class GenerationSamplingTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly CpuDevice _device = new(threads: 2);
    private readonly string _path;

    public GenerationSamplingTests()
    {
        _path = _dir.File("letters.gguf");
        TinyLetterModel.Write(_path);
    }

    public void Dispose()
    {
        _device.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public void Sampler_SeesPromptAndEveryGeneratedToken_AsHistory()
    {
        using var model = ModelLoader.Load(_path, _device);
        using var generator = new TextGenerator(model, capacity: 32);
        int[] prompt = [TinyLetterModel.BosId, 5, 6];
        int[] forced = [7, 8, 9, 10];
        var seen = new List<int[]>();
        int step = 0;
        int Forcing(ReadOnlySpan<float> logits, ReadOnlySpan<int> history)
        {
            seen.Add(history.ToArray());
            return forced[step++];
        }
        var got = new List<int>();
        generator.Generate(prompt, new GenerationOptions(forced.Length, new HashSet<int>()), Forcing, got.Add);

        Assert.Equal(forced, got);
        // Step k sees the prompt then the k tokens generated before it.
        for (int k = 0; k < forced.Length; k++)
            Assert.Equal([.. prompt, .. forced[..k]], seen[k]);
    }

    [Fact]
    public void Seed_SameSeedSameTokens_DifferentSeedDifferentTokens()
    {
        using var model = ModelLoader.Load(_path, _device);
        int[] a = Sample(model, seed: 1), b = Sample(model, seed: 1), c = Sample(model, seed: 2);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c); // 40 draws over ~31 tokens at temperature 1: equal only by a ~1e-20 accident
    }

    [Fact]
    public void CallerStop_EndsAfterThatToken_WithStopStringReason()
    {
        using var model = ModelLoader.Load(_path, _device);
        using var generator = new TextGenerator(model, capacity: 32);
        var greedy = new Sampler(new SamplingOptions { Temperature = 0 }, model.VocabSize);
        int calls = 0;
        var result = generator.Generate([TinyLetterModel.BosId], new GenerationOptions(20, new HashSet<int>()), greedy.Sample, _ => ++calls < 3);
        Assert.Equal(3, calls);
        Assert.Equal(3, result.GeneratedTokens);
        Assert.Equal(StopReason.StopString, result.StopReason);
    }

    [Fact]
    public void From_MapsMaxTokensAndEos_IgnoreEosKeepsGoing()
    {
        int[] eos = [2, 7];
        var plain = GenerationOptions.From(new SamplingOptions { MaxTokens = 5 }, eos);
        Assert.Equal(5, plain.MaxTokens);
        Assert.True(plain.StopTokens.SetEquals(eos));
        var unbounded = GenerationOptions.From(new SamplingOptions { IgnoreEos = true }, eos);
        Assert.Equal(int.MaxValue, unbounded.MaxTokens);
        Assert.Empty(unbounded.StopTokens);
    }

    [Fact]
    public void TextStream_StopStringAcrossTokens_IsCutAndNeverEmitted()
    {
        var tokenizer = TokenizerLoader.Load(_path);
        int Id(string piece) => Array.IndexOf(TinyLetterModel.Tokens(), piece);
        var stream = new TextStream(tokenizer.CreateIncrementalDecoder(continuation: true), ["at."]);
        // "c", "a", "t", "." : "at." spans three tokens; "a" and "t" are held until it is decided.
        Assert.Equal(("c", false), Push(stream, Id("c")));
        Assert.Equal(("", false), Push(stream, Id("a")));
        Assert.Equal(("", false), Push(stream, Id("t")));
        Assert.Equal(("", true), Push(stream, Id(".")));
        Assert.Equal("", stream.Flush());

        var open = new TextStream(tokenizer.CreateIncrementalDecoder(continuation: true), ["at."]);
        Assert.Equal((" ", false), Push(open, Id("▁")));
        Assert.Equal(("", false), Push(open, Id("a")));
        Assert.Equal("a", open.Flush()); // no stop came: the held "a" is released at the end
    }

    [Fact]
    public void DecodeLoop_SamplerChainAndHistory_AllocateNothingPerToken()
    {
        // A stand-in model whose forward pass allocates nothing, so any per-token allocation measured
        // here is the loop's, the history's or the sampler's. (The CPU forward pass is measured elsewhere.)
        using var model = new TableModel(vocabSize: 50, seed: 7);
        using var generator = new TextGenerator(model, capacity: 128);
        var options = new SamplingOptions { Temperature = 1, TopK = 40, TopP = 0.95f, MinP = 0.05f, RepetitionPenalty = 1.1f, FrequencyPenalty = 0.5f, PenaltyLastN = -1, Seed = 3 };
        var sampler = new Sampler(options, model.VocabSize);
        TokenSampler chain = sampler.Sample;
        var none = new HashSet<int>();
        Action<int> ignore = _ => { };
        long Generated(int tokens)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            generator.Generate([0], new GenerationOptions(tokens, none), chain, ignore);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Generated(100); // warm-up: JIT, the history list's growth to its final size
        long few = Generated(8), many = Generated(100);
        Assert.True(many == few, $"8 generated tokens allocated {few} bytes, 100 allocated {many}");
    }

    private (string, bool) Push(TextStream stream, int id)
    {
        var r = stream.Push(id);
        return (r.Text, r.Stopped);
    }

    private static int[] Sample(ILanguageModel model, ulong seed)
    {
        using var generator = new TextGenerator(model, capacity: 64);
        var sampler = new Sampler(new SamplingOptions { Temperature = 1, Seed = seed }, model.VocabSize);
        var got = new List<int>();
        generator.Generate([TinyLetterModel.BosId], new GenerationOptions(40, new HashSet<int>()), sampler.Sample, got.Add);
        return [.. got];
    }

    // logits = row [last token] of a fixed random table [V, V] f32; no KV cache, no allocation.
    private sealed class TableModel(int vocabSize, int seed) : ILanguageModel
    {
        private readonly float[] _table = RandomTable(vocabSize, seed);

        public int VocabSize => vocabSize;

        public int ContextLength => 1024;

        public ModelState CreateState(int capacity, int maxBatch = 64) => new NoState(capacity, maxBatch);

        public void Forward(ModelState state, ReadOnlySpan<int> tokens, int startPos, Span<float> logits) =>
            _table.AsSpan(tokens[^1] * vocabSize, vocabSize).CopyTo(logits);

        public long KvBytesPerToken => 0;

        public BatchState CreateBatchState(int numBlocks, int blockSize, int maxTokens) => throw new NotSupportedException("TableModel runs one sequence");

        public void ForwardBatch(BatchState state, BatchInput input, Span<float> logits) => throw new NotSupportedException("TableModel runs one sequence");

        public void Dispose()
        {
        }

        private static float[] RandomTable(int v, int seed)
        {
            var rng = new Random(seed);
            var table = new float[v * v];
            for (int i = 0; i < table.Length; i++)
                table[i] = rng.NextSingle() * 4f;
            return table;
        }
    }

    private sealed class NoState(int capacity, int maxBatch) : ModelState
    {
        public override int Capacity => capacity;

        public override int MaxBatch => maxBatch;

        public override Meridian.Core.Backends.IComputeStream Stream => throw new NotSupportedException("TableModel has no device");

        public override void Dispose()
        {
        }
    }
}
