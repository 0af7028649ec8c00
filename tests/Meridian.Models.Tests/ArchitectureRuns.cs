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
