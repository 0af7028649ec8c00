// Plain description of a rotary embedding: base, layout, optional per-frequency divisors (Llama 3.1 "llama3"
// rope scaling, ggml's rope_freqs tensor; Phi-3's LongRoPE factors), and since contract 1.1 partial rotation
// (Phi's partial_rotary_factor: only the first RotaryDim dimensions of each head turn) and an attention factor
// (LongRoPE's and YaRN's mscale: cos and sin multiplied by it, as ggml_rope_ext's attn_factor).
namespace Meridian.Core.Backends;

/// <summary>
/// RoPE parameters. With R = <see cref="RotaryDims"/>, pair i (of R/2) of each head turns by pos · Theta^(-2i/R) /
/// FreqFactors[i], its cos and sin multiplied by <see cref="AttnFactor"/>; dimensions R..Dh of each head are left as they are.
/// </summary>
/// <param name="HeadDim">Dh: the width of one head.</param>
/// <param name="Theta">Base (rope_theta / rope.freq_base).</param>
/// <param name="Layout">Which dimensions are paired (within the first R of each head).</param>
/// <param name="FreqFactors">Optional [R/2] divisors of each frequency; null means all 1.</param>
/// <param name="RotaryDim">R, the rotated width of each head; 0 means all of it (Dh). Contract 1.1.</param>
/// <param name="AttnFactor">The factor cos and sin are multiplied by; 1 is plain RoPE. Contract 1.1.</param>
public sealed record RopeSpec(int HeadDim, float Theta, RopeLayout Layout, float[]? FreqFactors = null, int RotaryDim = 0, float AttnFactor = 1f)
{
    /// <summary>R: the rotated width of each head (<see cref="RotaryDim"/>, or Dh when 0).</summary>
    public int RotaryDims => RotaryDim == 0 ? HeadDim : RotaryDim;

    /// <summary>True when the spec needs contract 1.1's rope (partial rotation or an attention factor).</summary>
    public bool IsExtended => RotaryDims != HeadDim || AttnFactor != 1f;

    /// <summary>The variant name a device is asked about for an extended spec (<see cref="IDevice.SupportsVariant"/>).</summary>
    public const string ExtendedVariant = "rope.partial_and_attn_factor";

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
