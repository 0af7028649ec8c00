// MXFP4 (OCP Microscaling, https://www.opencompute.org/documents/ocp-microscaling-formats-mx-v1-0-spec-final-pdf):
// 32 weights per block sharing one power-of-two scale (E8M0: 2^(e - 127)), each weight a 4-bit float E2M1
// (sign, 2 exponent bits, 1 mantissa bit: 0, 0.5, 1, 1.5, 2, 3, 4, 6 and their negatives). GPT-OSS stores its
// experts so. Block layout as ggml's block_mxfp4 (ggml-common.h, MIT): e, then qs[16] with the low nibble of
// byte j weight j and the high nibble weight j + 16 (as Q4_0 and IQ4_NL).
// Encoding (ours; ggml has its own): the scale is the smallest power of two that puts the block's largest
// magnitude at or under 6, each weight the nearest E2M1 value (ties to the even code).
namespace Meridian.Core.Quant;

internal static class Mxfp4Reference
{
    public const int BlockSize = 32;
    public const int TypeSize = 17;

    // E2M1 codes 0..15 as values (code 8 is -0).
    internal static ReadOnlySpan<float> Levels => [0f, 0.5f, 1f, 1.5f, 2f, 3f, 4f, 6f, -0f, -0.5f, -1f, -1.5f, -2f, -3f, -4f, -6f];

    // src: [n / 32 * 17] bytes; dst: [n] f32
    public static void Dequantize(ReadOnlySpan<byte> src, Span<float> dst)
    {
        QuantMath.AssertBlocks(src.Length, dst.Length, BlockSize, TypeSize);
        for (int b = 0; b < dst.Length / BlockSize; b++)
        {
            ReadOnlySpan<byte> block = src.Slice(b * TypeSize, TypeSize);
            Span<float> y = dst.Slice(b * BlockSize, BlockSize);
            float scale = MathF.ScaleB(1f, block[0] - 127);
            for (int j = 0; j < 16; j++)
            {
                y[j] = Levels[block[1 + j] & 0x0F] * scale;
                y[j + 16] = Levels[block[1 + j] >> 4] * scale;
            }
        }
    }

    // src: [n] f32; dst: [n / 32 * 17] bytes
    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst)
    {
        QuantMath.AssertBlocks(dst.Length, src.Length, BlockSize, TypeSize);
        Span<byte> codes = stackalloc byte[BlockSize];
        for (int b = 0; b < src.Length / BlockSize; b++)
        {
            ReadOnlySpan<float> x = src.Slice(b * BlockSize, BlockSize);
            Span<byte> block = dst.Slice(b * TypeSize, TypeSize);
            float amax = 0;
            foreach (float v in x)
                amax = MathF.Max(amax, MathF.Abs(v));
            // 2^(e - 127) >= amax / 6, e in [0, 254]
            int e = amax > 0 ? Math.Clamp((int)MathF.Ceiling(MathF.Log2(amax / 6f)) + 127, 0, 254) : 0;
            if (amax > 0 && amax / MathF.ScaleB(1f, e - 127) > 6f && e < 254)
                e++; // log2 rounding
            float inverse = MathF.ScaleB(1f, 127 - e);
            for (int j = 0; j < BlockSize; j++)
                codes[j] = Nearest(x[j] * inverse);
            block[0] = (byte)e;
            for (int j = 0; j < 16; j++)
                block[1 + j] = (byte)(codes[j] | codes[j + 16] << 4);
        }
    }

    // The E2M1 code nearest to v (ties to the even code), saturating at ±6.
    private static byte Nearest(float v)
    {
        byte best = 0;
        float bestError = float.PositiveInfinity;
        for (byte c = 0; c < 16; c++)
        {
            float error = MathF.Abs(v - Levels[c]);
            if (error < bestError || error == bestError && (c & 1) == 0 && (best & 1) == 1)
                (best, bestError) = (c, error);
        }
        return best;
    }
}
