// Whole models on the reference C plugin, through the same forward pass the engine runs (LlamaModel.ForwardBatch
// via SequenceState): the synthetic TinyLlama-shape Q4_0 model (22 layers, hidden 2048, 32k vocabulary, output
// in Q6_K as llama-quantize writes it) must give the CPU backend's greedy tokens for 64 steps.
using Meridian.Backends.Cpu;
using Meridian.Core.Backends;
using Meridian.Core.Ops;
using Meridian.Models;
using Meridian.Models.Synthetic;
using Xunit.Abstractions;

namespace Meridian.Backends.Native.Tests;

public sealed class PluginModelTests(ITestOutputHelper output)
{
    private const int Steps = 64;

    [SkippableFact]
    public void TinyLlamaShapeQ4_0_Greedy64_EqualsCpuBackend()
    {
        var plugin = NativeBackendProvider.Load(TestPlugins.Require()).Devices[0];
        string model = SyntheticModel("tinyllama-1.1b", "Q4_0");
        int[] prompt = [1, 450, 4996, 17354, 1701, 432, 17204, 975]; // BOS and seven arbitrary ids under 32000

        using var cpu = new CpuDevice(threads: 2);
        var (expected, margins) = Greedy(model, cpu, prompt);
        var (actual, _) = Greedy(model, plugin, prompt);
        output.WriteLine($"cpu:    {string.Join(' ', expected)}");
        output.WriteLine($"plugin: {string.Join(' ', actual)}");
        output.WriteLine($"smallest top-1/top-2 logit gap on the CPU: {margins.Min():G3}");
        Assert.Equal(expected, actual);
    }

    // The prompt, then Steps greedy tokens one at a time; also the gap between the two best logits at each step.
    private static (int[] Tokens, float[] Margins) Greedy(string path, IDevice device, int[] prompt)
    {
        using var model = ModelLoader.Load(path, device);
        using var state = new SequenceState(model, capacity: prompt.Length + Steps, maxBatch: prompt.Length);
        var logits = new float[model.VocabSize];
        var tokens = new int[Steps];
        var margins = new float[Steps];
        state.Forward(prompt, 0, logits);
        for (int i = 0; i < Steps; i++)
        {
            var best1 = new int[1];
            ReferenceOps.ArgMaxReference(logits, logits.Length, best1);
            tokens[i] = best1[0];
            float best = logits[tokens[i]];
            logits[tokens[i]] = float.NegativeInfinity;
            margins[i] = best - logits.Max();
            if (i + 1 < Steps)
                state.Forward([tokens[i]], prompt.Length + i, logits);
        }
        return (tokens, margins);
    }

    // Written once per machine (about 640 MB for this shape) under the temp folder and reused by later runs.
    private static string SyntheticModel(string shape, string type)
    {
        string dir = Path.Combine(Path.GetTempPath(), "meridian-test-models");
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, $"synthetic-{shape}-{type}-seed1.gguf");
        if (!File.Exists(path))
        {
            string partial = path + $".{Environment.ProcessId}.partial";
            SyntheticModels.Write(partial, SyntheticModels.Shapes[shape], type, pure: false, seed: 1);
            File.Move(partial, path, overwrite: true);
        }
        return path;
    }
}
