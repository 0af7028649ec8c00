// Small helpers shared by the sampling tests: log-probability logits and the dense final distribution.
using Meridian.Engine.Sampling;

namespace Meridian.Engine.Tests.Sampling;

internal static class SamplingTestHelpers
{
    // Probabilities computed by hand vs the sampler's f64 ones from f32 logits: f32 rounding of ln p
    // (relative 6e-8) moves a probability by well under 1e-6.
    public const double HandProbabilityTolerance = 1e-6;

    /// <summary>logits[i] = ln p[i], so softmax at T = 1 gives back p exactly (up to f32 rounding).</summary>
    public static float[] LogitsOf(params double[] p) => p.Select(x => (float)Math.Log(x)).ToArray();

    public static double[] Distribution(SamplingOptions options, float[] logits, int[]? history = null)
    {
        var sampler = new Sampler(options, logits.Length);
        var dense = new double[logits.Length];
        sampler.ComputeDistribution(logits, history ?? [], dense);
        return dense;
    }

    public static void AssertProbabilities(double[] expected, double[] actual, double tolerance = HandProbabilityTolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance,
                $"token {i}: expected p = {expected[i]:R}, got {actual[i]:R} (tolerance {tolerance})");
    }

    /// <summary>Plain softmax in f64, the textbook formula.</summary>
    public static double[] Softmax(params double[] logits)
    {
        double max = logits.Max();
        double[] e = logits.Select(x => Math.Exp(x - max)).ToArray();
        double sum = e.Sum();
        return e.Select(x => x / sum).ToArray();
    }
}
