// What the per-architecture live comparisons share: a prompt of 32 byte tokens, Meridian's logits for it, and the
// largest difference between two logit arrays.
using System.Text;
using Meridian.Backends.Cpu;

namespace Meridian.Models.Tests;

internal static class ArchitectureRuns
{
    /// <summary>BOS then the byte tokens of a 31-character text (byte b is token 3 + b): 32 positions.</summary>
    public static readonly int[] Prompt = [1, .. Encoding.ASCII.GetBytes("Once upon a time, in a far land").Select(b => 3 + b)];

    /// <summary>Meridian's logits [T, V] for <see cref="Prompt"/> on one CPU thread, the model loaded with <paramref name="options"/>.</summary>
    public static float[] Run(string path, int vocab, ModelLoadOptions? options = null)
    {
        var logits = new float[Prompt.Length * vocab];
        using var device = new CpuDevice(threads: 1);
        using var model = ModelLoader.Load(path, device, options);
        using var state = new SequenceState(model, capacity: 64);
        state.Forward(Prompt, 0, logits);
        return logits;
    }

    /// <summary>
    /// A mixture-of-experts comparison: Meridian's logits against llama.cpp's and the scalar forward's at every position
    /// of the prompt except, in a quantized model (<paramref name="leaveOutNearTies"/>), those whose routing was a near-tie
    /// (router gap under <paramref name="nearTie"/>: the engines' rounding may pick other experts there).
    /// </summary>
    public static void AssertMoeClose(Xunit.Abstractions.ITestOutputHelper output, string name, SyntheticModel synthetic, float[] expected, float[] actual,
        float[] reference, bool leaveOutNearTies, float nearTie, float tolerance, float referenceTolerance)
    {
        int v = synthetic.Shape.V;
        var compared = Enumerable.Range(0, Prompt.Length).Where(p => !leaveOutNearTies || synthetic.RouterGaps[p] >= nearTie).ToArray();
        output.WriteLine($"{name}: comparing {compared.Length} of {Prompt.Length} positions (left out, near-ties in routing: " +
            $"{string.Join(", ", Enumerable.Range(0, Prompt.Length).Except(compared))}; smallest router gap {synthetic.RouterGaps.Min():G3})");
        Assert.True(compared.Length >= 24, $"{name}: near-ties in routing leave only {compared.Length} positions; pick another seed");
        float[] Rows(float[] all) => compared.SelectMany(p => all.AsSpan(p * v, v).ToArray()).ToArray();
        float[] e = Rows(expected), a = Rows(actual);
        float rms = MathF.Sqrt(e.Sum(x => x * x) / e.Length);
        Assert.True(rms >= 0.5f, $"{name}: llama.cpp's logits have RMS {rms}; too small for the comparison to mean anything");
        float worst = MaxAbsDiff(e, a, out int at);
        output.WriteLine($"{name}: max |logit diff| vs llama.cpp {worst:G3} at position {compared[at / v]} (tolerance {tolerance}, logit RMS {rms:G3})");
        Assert.True(worst <= tolerance, $"{name}: max |logit diff| vs llama.cpp {worst} at position {compared[at / v]} > {tolerance}");
        float vsReference = MaxAbsDiff(Rows(reference), a, out _);
        output.WriteLine($"{name}: max |logit diff| vs the scalar forward {vsReference:G3}");
        Assert.True(vsReference <= referenceTolerance, $"{name}: max |logit diff| vs the scalar forward {vsReference} > {referenceTolerance}");
    }

    /// <summary>max |a − b| and where it is (NaN counts as the worst).</summary>
    public static float MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b, out int at)
    {
        float worst = 0;
        at = 0;
        for (int i = 0; i < a.Length; i++)
        {
            float d = MathF.Abs(a[i] - b[i]);
            if (!(d <= worst))
                (worst, at) = (d, i);
        }
        return worst;
    }
}
