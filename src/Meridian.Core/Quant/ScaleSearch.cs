// Scale (and min) searches used by the K-quant reference quantizers: ggml's make_qkx2_quants
// (affine, Q4_K/Q5_K) and make_qx_quants (symmetric, Q6_K), in ggml/src/ggml-quants.c (MIT).
// The float operations are kept in ggml's order so the chosen codes match ggml's bit for bit.
using System.Diagnostics;

namespace Meridian.Core.Quant;

internal static class ScaleSearch
{
    // Below this, ggml treats a group as all zeros (GROUP_MAX_EPS).
    public const float GroupMaxEps = 1e-15f;

    // Fits x ~= scale * L - theMin with L in [0, nmax], minimising sum(weights * (error)^2),
    // by trying nstep+1 candidate inverse scales (nmax + rmin + rdelta*is) / (max - min) and
    // solving weighted least squares for scale and min at each (ggml make_qkx2_quants, with
    // use_mad = false). The min is clamped so it never goes above zero.
    //   x, weights: [n] f32;  codes, codesScratch: [n] u8 out / scratch
    // Returns the scale; theMin is the (non-negative) value subtracted after scaling.
    public static float FitScaleMin(int nmax, ReadOnlySpan<float> x, ReadOnlySpan<float> weights,
        Span<byte> codes, Span<byte> codesScratch, out float theMin, float rmin, float rdelta, int nstep)
    {
        int n = x.Length;
        Debug.Assert(weights.Length == n && codes.Length >= n && codesScratch.Length >= n && n > 0);

        float min = x[0];
        float max = x[0];
        float sumW = weights[0];
        float sumX = sumW * x[0];
        for (int i = 1; i < n; i++)
        {
            if (x[i] < min) min = x[i];
            if (x[i] > max) max = x[i];
            float w = weights[i];
            sumW += w;
            sumX += w * x[i];
        }
        if (min > 0) min = 0;
        if (max == min)
        {
            codes[..n].Clear();
            theMin = -min;
            return 0f;
        }

        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++)
        {
            int l = QuantMath.NearestInt(iscale * (x[i] - min));
            codes[i] = (byte)Math.Clamp(l, 0, nmax);
            float diff = scale * codes[i] + min - x[i];
            bestError += weights[i] * (diff * diff);
        }
        if (nstep < 1)
        {
            theMin = -min;
            return scale;
        }

        for (int step = 0; step <= nstep; step++)
        {
            iscale = (rmin + rdelta * step + nmax) / (max - min);
            float sumL = 0, sumL2 = 0, sumXL = 0;
            for (int i = 0; i < n; i++)
            {
                int l = Math.Clamp(QuantMath.NearestInt(iscale * (x[i] - min)), 0, nmax);
                codesScratch[i] = (byte)l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * x[i];
            }
            // Normal equations of the 2x2 weighted least-squares problem in (scale, min).
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0)
            {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0)
                {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float error = 0;
                for (int i = 0; i < n; i++)
                {
                    float diff = thisScale * codesScratch[i] + thisMin - x[i];
                    error += weights[i] * (diff * diff);
                }
                if (error < bestError)
                {
                    codesScratch[..n].CopyTo(codes);
                    bestError = error;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        theMin = -min;
        return scale;
    }

    // Fits x ~= scale * (L - nmax) with L in [0, 2*nmax - 1] using weights x^2 (ggml
    // make_qx_quants with rmse_type = 1 and no importance weights): start from the scale that
    // maps the largest-magnitude value to -nmax, then try 18 nearby inverse scales
    // -(nmax + 0.1*is)/max and keep the one with the best weighted least-squares fit.
    //   x: [n] f32;  codes: [n] u8 out (offset by +nmax)
    public static float FitSymmetricScale(int nmax, ReadOnlySpan<float> x, Span<byte> codes)
    {
        int n = x.Length;
        Debug.Assert(codes.Length >= n && n > 0);

        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; i++)
        {
            float ax = MathF.Abs(x[i]);
            if (ax > amax) { amax = ax; max = x[i]; }
        }
        if (amax < GroupMaxEps)
        {
            codes[..n].Clear();
            return 0f;
        }

        float iscale = -nmax / max;
        float sumLX = 0;
        float sumL2 = 0;
        for (int i = 0; i < n; i++)
        {
            int l = Math.Clamp(QuantMath.NearestInt(iscale * x[i]), -nmax, nmax - 1);
            codes[i] = (byte)(l + nmax);
            float w = x[i] * x[i];
            sumLX += w * x[i] * l;
            sumL2 += w * l * l;
        }
        float scale = sumL2 != 0 ? sumLX / sumL2 : 0f;
        float best = scale * sumLX;
        for (int step = -9; step <= 9; step++)
        {
            if (step == 0)
                continue;
            iscale = -(nmax + 0.1f * step) / max;
            sumLX = sumL2 = 0;
            for (int i = 0; i < n; i++)
            {
                int l = Math.Clamp(QuantMath.NearestInt(iscale * x[i]), -nmax, nmax - 1);
                float w = x[i] * x[i];
                sumLX += w * x[i] * l;
                sumL2 += w * l * l;
            }
            if (sumL2 > 0 && sumLX * sumLX > best * sumL2)
            {
                for (int i = 0; i < n; i++)
                    codes[i] = (byte)(Math.Clamp(QuantMath.NearestInt(iscale * x[i]), -nmax, nmax - 1) + nmax);
                scale = sumLX / sumL2;
                best = scale * sumLX;
            }
        }
        return scale;
    }
}
