// Generation with the sampler chain through the engine (the one path run, chat, serve and bench take), on a
// project-owned tiny model (no shared data): a seed fixes the tokens, a stop string split across tokens is cut.
using Meridian.Backends.Cpu;
using Meridian.Engine.Generation;
using Meridian.Engine.Sampling;
using Meridian.Engine.Serving;
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
    public async Task Seed_SameSeedSameTokens_DifferentSeedDifferentTokens()
    {
        using var model = ModelLoader.Load(_path, _device);
        using var engine = new LlmEngine(model, TokenizerLoader.Load(_path), null, new LlmEngineOptions { MaxContext = 64 });
        int[] a = await Sample(engine, seed: 1), b = await Sample(engine, seed: 1), c = await Sample(engine, seed: 2);
        Assert.Equal(40, a.Length);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c); // 40 draws over ~31 tokens at temperature 1: equal only by a ~1e-20 accident
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

    private static (string, bool) Push(TextStream stream, int id)
    {
        var r = stream.Push(id);
        return (r.Text, r.Stopped);
    }

    private static async Task<int[]> Sample(LlmEngine engine, ulong seed)
    {
        var sampling = new SamplingOptions { Temperature = 1, Seed = seed, MaxTokens = 40, IgnoreEos = true };
        using var handle = engine.Submit(new EngineRequest([TinyLetterModel.BosId], sampling));
        var got = new List<int>();
        await foreach (var output in handle.ReadAllAsync())
            got.AddRange(output.TokenIds);
        return [.. got];
    }
}
