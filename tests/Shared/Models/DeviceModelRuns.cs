// Whole models run on a device through the engine's forward pass (SequenceState: LlamaModel.ForwardBatch over a
// paged cache), for tests that compare a backend with the CPU backend token by token: free-running greedy tokens,
// the logits of every step with given tokens fed (teacher forcing, one token per step or the whole sequence as one
// prefill), and the near-tie rule for devices whose arithmetic cannot be bit-identical to the CPU's.
using Meridian.Backends.Cpu;
using Meridian.Conformance;
using Meridian.Core.Backends;
using Meridian.Core.Ops;
using Meridian.Models;
using Meridian.Models.Synthetic;

namespace Meridian.Tests.Shared.Models;

internal static class DeviceModelRuns
{
    /// <summary>The prompt, then <paramref name="steps"/> greedy tokens one at a time.</summary>
    public static int[] Greedy(string path, IDevice device, int[] prompt, int steps)
    {
        using var model = ModelLoader.Load(path, device);
        using var state = new SequenceState(model, capacity: prompt.Length + steps, maxBatch: prompt.Length);
        var logits = new float[model.VocabSize];
        var tokens = new int[steps];
        state.Forward(prompt, 0, logits);
        for (int i = 0; i < steps; i++)
        {
            tokens[i] = ArgMax(logits);
            if (i + 1 < steps)
                state.Forward([tokens[i]], prompt.Length + i, logits);
        }
        return tokens;
    }

    /// <summary>Free-running greedy tokens on <paramref name="device"/> equal the CPU backend's, all of them; both logged.</summary>
    public static int[] AssertGreedyEqualsCpu(string path, IDevice device, int[] prompt, int steps, Action<string> log)
    {
        int[] expected;
        using (var cpu = new CpuDevice(threads: 2))
            expected = Greedy(path, cpu, prompt, steps);
        var actual = Greedy(path, device, prompt, steps);
        log($"cpu:    {string.Join(' ', expected)}");
        log($"device: {string.Join(' ', actual)}");
        Assert.Equal(expected, actual);
        return actual;
    }

    /// <summary>
    /// The logits of every step when <paramref name="tokens"/> are fed after the prompt (teacher forcing): [steps][V],
    /// row i predicting tokens[i]. Token by token, or (<paramref name="onePrefill"/>) the prompt and tokens[..^1] as
    /// one forward step returning every row; a backend whose sums do not depend on the batch gives the same rows.
    /// </summary>
    public static float[][] TeacherForced(string path, IDevice device, int[] prompt, int[] tokens, bool onePrefill = false)
    {
        using var model = ModelLoader.Load(path, device);
        int steps = tokens.Length, v = model.VocabSize;
        var rows = new float[steps][];
        if (onePrefill)
        {
            int[] all = [.. prompt, .. tokens[..^1]];
            using var state = new SequenceState(model, capacity: all.Length, maxBatch: all.Length);
            var logits = new float[(long)all.Length * v];
            state.Forward(all, 0, logits);
            for (int i = 0; i < steps; i++)
                rows[i] = logits.AsSpan((prompt.Length - 1 + i) * v, v).ToArray();
            return rows;
        }
        using (var state = new SequenceState(model, capacity: prompt.Length + steps, maxBatch: prompt.Length))
        {
            rows[0] = new float[v];
            state.Forward(prompt, 0, rows[0]);
            for (int i = 1; i < steps; i++)
            {
                rows[i] = new float[v];
                state.Forward([tokens[i - 1]], prompt.Length + i - 1, rows[i]);
            }
        }
        return rows;
    }

    /// <summary>
    /// Checks a device's teacher-forced logits against the CPU's greedy run: at every step the logits within the kit's
    /// model bound, and the device's argmax the CPU's token or a near tie on the CPU's logits (the kit's near-tie bound
    /// times <paramref name="tieScale"/>: √2 where both sides carry rounding noise of the same size, as the CPU's 8-bit
    /// activations and a device's f32 ones against exact arithmetic). Returns how many steps pick the CPU's token.
    /// </summary>
    public static (int Same, double WorstNmse) CheckCloseUpToNearTies(int[] cpuTokens, float[][] cpuLogits, float[][] deviceLogits, string device, double tieScale)
    {
        int same = 0;
        double worst = 0;
        for (int step = 0; step < cpuTokens.Length; step++)
        {
            var (a, b) = (cpuLogits[step], deviceLogits[step]);
            double nmse = Nmse(a, b);
            worst = Math.Max(worst, nmse);
            Assert.True(nmse <= Tolerances.ModelLogits, $"step {step}: logits NMSE {nmse:G3} > {Tolerances.ModelLogits}");
            int top = ArgMax(b);
            if (top == cpuTokens[step])
            {
                same++;
                continue;
            }
            double gap = a[cpuTokens[step]] - a[top], rms = Math.Sqrt(a.Average(x => (double)x * x));
            Assert.True(gap <= Tolerances.GreedyNearTie * tieScale * rms,
                $"step {step}: {device} picks {top}, the CPU {cpuTokens[step]}, whose logits differ by {gap:G3} on the CPU (row RMS {rms:G3})");
        }
        Assert.True(same >= cpuTokens.Length * 3 / 4, $"only {same} of {cpuTokens.Length} steps agree");
        return (same, worst);
    }

    public static int ArgMax(float[] logits)
    {
        var best = new int[1];
        ReferenceOps.ArgMaxReference(logits, logits.Length, best);
        return best[0];
    }

    public static double Nmse(float[] expected, float[] actual)
    {
        double num = 0, den = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = (double)actual[i] - expected[i];
            num += d * d;
            den += (double)expected[i] * expected[i];
        }
        return num / den;
    }

    /// <summary>A synthetic model (SyntheticModels, seed 1), written once per machine under the temp folder and reused.</summary>
    public static string Synthetic(string shape, string type) => Synthetic(SyntheticModels.Shapes[shape], type);

    /// <inheritdoc cref="Synthetic(string, string)"/>
    public static string Synthetic(SyntheticShapeSpec shape, string type)
    {
        string dir = Path.Combine(Path.GetTempPath(), "meridian-test-models");
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, $"synthetic-{shape.Name}-{type}-seed1.gguf");
        if (!File.Exists(path))
        {
            string partial = path + $".{Environment.ProcessId}.partial";
            SyntheticModels.Write(partial, shape, type, pure: false, seed: 1);
            File.Move(partial, path, overwrite: true);
        }
        return path;
    }
}
