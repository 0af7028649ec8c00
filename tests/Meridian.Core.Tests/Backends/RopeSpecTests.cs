// Llama 3.1 rope scaling divisors against arithmetic done by hand from transformers'
// _compute_llama3_parameters (the formula llama.cpp writes into rope_freqs.weight).
using Meridian.Core.Backends;

namespace Meridian.Core.Tests.Backends;

public sealed class RopeSpecTests
{
    [Fact]
    public void Llama3FreqFactors_HandWorkedCase_MatchesFormula()
    {
        // Dh = 4, theta = 10000, factor 8, low 1, high 4, original context 1000:
        //   i = 0: freq 1, wavelen 2π ≈ 6.28 < 1000/4 = 250 (high-frequency band) -> divisor 1
        //   i = 1: freq 10000^-0.5 = 0.01, wavelen 628.32, between 250 and 1000/1 -> smoothed:
        //          smooth = (1000/628.32 - 1) / (4 - 1) = 0.197183
        //          divisor = 1 / ((1 - 0.197183)/8 + 0.197183) = 1 / 0.297535 = 3.36095
        float[] f = RopeSpec.Llama3FreqFactors(4, 10000f, 8f, 1f, 4f, 1000);
        Assert.Equal(2, f.Length);
        Assert.Equal(1f, f[0]);
        Assert.Equal(3.36095f, f[1], 4);
    }

    [Fact]
    public void Llama3FreqFactors_LowFrequencies_DivideByFactor()
    {
        // Dh = 4, theta = 1e8: i = 1 has freq 1e-4, wavelen 62832 > 1000 -> divided by the full factor.
        float[] f = RopeSpec.Llama3FreqFactors(4, 1e8f, 8f, 1f, 4f, 1000);
        Assert.Equal(8f, f[1]);
    }
}
