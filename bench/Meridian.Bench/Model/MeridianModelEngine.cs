// Meridian under `bench model`: CpuDevice with the given threads, as `meridian run` builds it.
using System.Diagnostics;
using Meridian.Backends.Cpu;
using Meridian.Models;

namespace Meridian.Bench.Model;

internal sealed class MeridianModelEngine : IModelEngine
{
    private readonly CpuDevice _device;
    private readonly ILanguageModel _model;
    private readonly int _capacity;
    private readonly float[] _logits; // [V] f32, the last token's

    public MeridianModelEngine(string path, int threads, int capacity)
    {
        _device = new CpuDevice(threads);
        _model = ModelLoader.Load(path, _device);
        _capacity = capacity;
        _logits = new float[_model.VocabSize];
    }

    public string Name => "meridian";

    public double Prefill(int[] prompt)
    {
        using var state = _model.CreateState(_capacity, maxBatch: Math.Max(1, prompt.Length));
        var clock = Stopwatch.StartNew();
        _model.Forward(state, prompt, 0, _logits);
        return clock.Elapsed.TotalSeconds;
    }

    public double Decode(int[] tokens)
    {
        using var state = _model.CreateState(_capacity, maxBatch: 1);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < tokens.Length; i++)
            _model.Forward(state, tokens.AsSpan(i, 1), i, _logits);
        return clock.Elapsed.TotalSeconds;
    }

    public void Dispose()
    {
        _model.Dispose();
        _device.Dispose();
    }
}
