// A small random-weight F32 Llama written by our synthetic-model writer (project-owned, no ../shared),
// loaded once per test class on a 2-thread CPU device, plus helpers to run requests to the end.
using Meridian.Backends.Cpu;
using Meridian.Engine.Sampling;
using Meridian.Engine.Serving;
using Meridian.Models;
using Meridian.Models.Synthetic;
using Meridian.Models.Tokenizers;
using Meridian.Tests.Shared;
using Meridian.Tokenizers;

namespace Meridian.Engine.Tests.Serving;

public sealed class EngineFixture : IDisposable
{
    // D = 64, F = 128, V = 300 (SentencePiece bytes + padding), 4 heads over 2 kv heads, 2 layers.
    private static readonly SyntheticShapeSpec Shape = new("engine-test", "llama", D: 64, F: 128, V: 300, H: 4, Hkv: 2, L: 2, RopeTheta: 10000f);

    private readonly TempDir _dir = new();

    public EngineFixture()
    {
        string path = _dir.File("engine-test-F32.gguf");
        SyntheticModels.Write(path, Shape, "F32", pure: true, seed: 5);
        Device = new CpuDevice(threads: 2);
        Model = ModelLoader.Load(path, Device);
        Tokenizer = TokenizerLoader.Load(path);
    }

    public CpuDevice Device { get; }

    public ILanguageModel Model { get; }

    public Tokenizer Tokenizer { get; }

    public LlmEngine CreateEngine(LlmEngineOptions? options = null) =>
        new(Model, Tokenizer, chatTemplate: null, options ?? new LlmEngineOptions());

    /// <summary>Greedy, EOS ignored: a random model then always generates exactly maxTokens.</summary>
    public static SamplingOptions Greedy(int maxTokens) => new() { Temperature = 0f, MaxTokens = maxTokens, IgnoreEos = true };

    /// <summary>Prompt ids 3.. (byte tokens), varied by <paramref name="salt"/>, after BOS.</summary>
    public static int[] Prompt(int length, int salt)
    {
        var ids = new int[length];
        ids[0] = 1;
        for (int i = 1; i < length; i++)
            ids[i] = 3 + (i * 7 + salt * 31) % 250;
        return ids;
    }

    public static async Task<(List<int> Tokens, RequestOutput Last)> ReadAll(RequestHandle handle)
    {
        var tokens = new List<int>();
        RequestOutput? last = null;
        await foreach (var output in handle.ReadAllAsync())
        {
            tokens.AddRange(output.TokenIds);
            last = output;
        }
        Assert.NotNull(last);
        Assert.NotNull(last.FinishReason);
        return (tokens, last);
    }

    public void Dispose()
    {
        Model.Dispose();
        Device.Dispose();
        _dir.Dispose();
    }
}
