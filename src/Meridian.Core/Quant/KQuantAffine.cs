// The shared part of the Q4_K and Q5_K reference quantizers (ggml quantize_row_q4_K_ref and
// quantize_row_q5_K_ref differ only in the code range and search grid), in ggml's float order.
// https://github.com/ggml-org/ggml/blob/master/src/ggml-quants.c (MIT)
using System.Diagnostics;

namespace Meridian.Core.Quant;

internal static class KQuantAffine
{
    // Fits each of the eight 32-weight sub-blocks of one super-block.
    //   x: [256] f32; codes: [256] u8 out, 0..nmax; scales, mins: [8] f32 out (mins >= 0)
    //   weights: [32] f32 scratch; scratch: [32] u8 scratch
    public static void FitSubBlocks(ReadOnlySpan<float> x, int nmax, float rmin, float rdelta, int nstep,
        Span<float> weights, Span<byte> scratch, Span<byte> codes, Span<float> scales, Span<float> mins)
    {
        Debug.Assert(x.Length == 256 && codes.Length == 256 && scales.Length == 8 && mins.Length == 8);
        for (int j = 0; j < 8; j++)
        {
            ReadOnlySpan<float> xs = x.Slice(32 * j, 32);
            float sumX2 = 0;
            for (int l = 0; l < 32; l++)
                sumX2 += xs[l] * xs[l];
            float avX = MathF.Sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++)
                weights[l] = avX + MathF.Abs(xs[l]);
            scales[j] = ScaleSearch.FitScaleMin(nmax, xs, weights, codes.Slice(32 * j, 32), scratch, out mins[j], rmin, rdelta, nstep);
        }
    }

    // Quantizes the sub-block scales and mins to 6 bits against their maxima, writes d, dmin and
    // the 12-byte scale field of a Q4_K/Q5_K block, then recomputes the codes of every
    // sub-block whose stored scale is non-zero from the values a decoder will see.
    //   x: [256] f32; block: one Q4_K/Q5_K block (d at 0, dmin at 2, scales at 4..16)
    //   scales, mins: [8] f32 from FitSubBlocks; codes: [256] u8 in/out, 0..nmax
    public static void StoreScalesAndRecode(ReadOnlySpan<float> x, Span<byte> block, int nmax,
        ReadOnlySpan<float> scales, ReadOnlySpan<float> mins, Span<byte> codes)
    {
        float maxScale = 0, maxMin = 0; // scales and mins are non-negative here
        for (int j = 0; j < 8; j++)
        {
            if (scales[j] > maxScale) maxScale = scales[j];
            if (mins[j] > maxMin) maxMin = mins[j];
        }

        float invScale = maxScale > 0 ? 63f / maxScale : 0f;
        float invMin = maxMin > 0 ? 63f / maxMin : 0f;
        Span<byte> ls = stackalloc byte[8];
        Span<byte> lm = stackalloc byte[8];
        for (int j = 0; j < 8; j++)
        {
            // ggml narrows to uint8 before capping at 63, so a (theoretical) negative wraps high and caps.
            ls[j] = Math.Min((byte)63, (byte)QuantMath.NearestInt(invScale * scales[j]));
            lm[j] = Math.Min((byte)63, (byte)QuantMath.NearestInt(invMin * mins[j]));
        }
        QuantMath.PackScaleMinK4(block.Slice(4, 12), ls, lm);
        QuantMath.WriteHalf(block, 0, maxScale / 63f);
        QuantMath.WriteHalf(block, 2, maxMin / 63f);

        float d = QuantMath.ReadHalf(block, 0);
        float dmin = QuantMath.ReadHalf(block, 2);
        for (int j = 0; j < 8; j++)
        {
            var (sc, m) = QuantMath.GetScaleMinK4(block.Slice(4, 12), j);
            float ds = d * sc;
            if (ds == 0f)
                continue; // keep the codes from the fit, as ggml does
            float dm = dmin * m;
            for (int l = 0; l < 32; l++)
                codes[32 * j + l] = (byte)Math.Clamp(QuantMath.NearestInt((x[32 * j + l] + dm) / ds), 0, nmax);
        }
    }
}
