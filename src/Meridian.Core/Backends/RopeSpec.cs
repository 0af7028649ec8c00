// Plain description of a rotary embedding: base, layout and optional per-frequency divisors
// (Llama 3.1 "llama3" rope scaling; ggml's rope_freqs tensor).
namespace Meridian.Core.Backends;

/// <summary>RoPE parameters. Frequency i (of Dh/2) is pos · Theta^(-2i/Dh) / FreqFactors[i].</summary>
/// <param name="HeadDim">Dh: the rotated width of one head.</param>
/// <param name="Theta">Base (rope_theta / rope.freq_base).</param>
/// <param name="Layout">Which dimensions are paired.</param>
/// <param name="FreqFactors">Optional [Dh/2] divisors of each frequency; null means all 1.</param>
public sealed record RopeSpec(int HeadDim, float Theta, RopeLayout Layout, float[]? FreqFactors = null)
{
    /// <summary>
    /// The llama3 scaling divisors (transformers _compute_llama3_parameters; llama.cpp writes the same
    /// into rope_freqs.weight): high frequencies kept, low ones divided by factor, smooth between.
    /// </summary>
    public static float[] Llama3FreqFactors(int headDim, float theta, float factor, float lowFreqFactor, float highFreqFactor, int originalContext)
    {
        var factors = new float[headDim / 2];
        double lowFreqWavelen = originalContext / lowFreqFactor;
        double highFreqWavelen = originalContext / highFreqFactor;
        for (int i = 0; i < factors.Length; i++)
        {
            double freq = Math.Pow(theta, -2.0 * i / headDim);
            double wavelen = 2 * Math.PI / freq;
            if (wavelen < highFreqWavelen)
                factors[i] = 1f;
            else if (wavelen > lowFreqWavelen)
                factors[i] = factor;
            else
            {
                double smooth = (originalContext / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                factors[i] = (float)(1.0 / ((1 - smooth) / factor + smooth));
            }
        }
        return factors;
    }
}
