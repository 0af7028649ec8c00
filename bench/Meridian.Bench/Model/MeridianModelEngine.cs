// Meridian under `bench model`: the model on the --device (the CPU with the given threads by default), run through LlmEngine, the
// engine `serve`, `run` and `chat` use, so the bench measures what the server runs (scheduler, sampling and
// all). pp: one prompt as one step, submit to its output; tg: N decode steps, first output to last.
using System.Diagnostics;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;
using Meridian.Engine.Sampling;
using Meridian.Engine.Serving;
using Meridian.Models;
using Meridian.Models.Tokenizers;
using Meridian.Tokenizers;

namespace Meridian.Bench.Model;

internal sealed class MeridianModelEngine : IModelEngine
{
    private const int BlockSize = 16;
    private readonly IDevice _device;
    private readonly ILanguageModel _model;
    private readonly Tokenizer _tokenizer;
    private readonly int _capacity;

    public MeridianModelEngine(string path, string device, int threads, int capacity, DType kvType)
    {
        _device = Meridian.Cli.CliBackends.Create(threads).Resolve(device);
        try
        {
            _model = ModelLoader.Load(path, _device, new ModelLoadOptions { KvType = kvType });
        }
        catch
        {
            _device.Dispose();
            throw;
        }
        _tokenizer = TokenizerLoader.Load(path);
        _capacity = capacity;
    }

    public string Name => "meridian";

    public double Prefill(int[] prompt)
    {
        using var engine = Start(maxBatchTokens: prompt.Length);
        var clock = Stopwatch.StartNew();
        Drain(engine, prompt, maxTokens: 1, out _);
        return clock.Elapsed.TotalSeconds;
    }

    public double Decode(int[] tokens)
    {
        // The first token's step makes the first output; the next tokens.Length steps are the timed decodes.
        using var engine = Start(maxBatchTokens: 1);
        Drain(engine, tokens[..1], maxTokens: tokens.Length + 1, out double decodeSeconds);
        return decodeSeconds;
    }

    private LlmEngine Start(int maxBatchTokens) => new(_model, _tokenizer, null, new LlmEngineOptions
    {
        BlockSize = BlockSize,
        KvBlocks = (_capacity + BlockSize - 1) / BlockSize,
        MaxContext = _capacity,
        MaxRunning = 1,
        MaxBatchTokens = Math.Max(1, maxBatchTokens),
        EnablePrefixCaching = false,
    });

    // Greedy, EOS ignored: random-weight models generate every token asked for.
    private static void Drain(LlmEngine engine, int[] prompt, int maxTokens, out double afterFirstSeconds)
    {
        var sampling = new SamplingOptions { Temperature = 0, MaxTokens = maxTokens, IgnoreEos = true };
        using var handle = engine.Submit(new EngineRequest(prompt, sampling));
        long first = 0, last = 0;
        int tokens = 0;
        foreach (var output in handle.ReadAllAsync().ToBlockingEnumerable())
        {
            last = Stopwatch.GetTimestamp();
            if (first == 0)
                first = last;
            tokens += output.TokenIds.Count;
        }
        if (tokens != maxTokens)
            throw new InvalidOperationException($"the engine generated {tokens} tokens, {maxTokens} were asked for{(engine.Fault is { } f ? $": {f}" : "")}");
        afterFirstSeconds = Stopwatch.GetElapsedTime(first, last).TotalSeconds;
    }

    public void Dispose()
    {
        _model.Dispose();
        _device.Dispose();
    }
}
