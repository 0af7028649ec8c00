// Q6_K: 256-weight super-blocks of 16 sub-blocks of 16, 6-bit codes with a signed 8-bit scale
// per sub-block, w = d * sc * (q - 32). Format and reference quantizer: ggml quantize_row_q6_K_ref /
// dequantize_row_q6_K, https://github.com/ggml-org/ggml/blob/master/src/ggml-quants.c (MIT)
using System.Diagnostics;

namespace Meridian.Core.Quant;

internal static class Q6_KReference
{
    // Block layout, 210 bytes:
    //   [0, 128)    ql      u8[128]  low 4 code bits
    //   [128, 192)  qh      u8[64]   high 2 code bits
    //   [192, 208)  scales  i8[16]   sub-block scales
    //   [208, 210)  d       f16      super-scale
    // Each half h (128 weights) uses ql[64h .. 64h+64) and qh[32h .. 32h+32). For l = 0..31 and
    // k = 0..3, element 128h + 32k + l takes its low bits from ql[64h + l + 32*(k%2)] (low nibble
    // for k < 2, high nibble for k >= 2) and its high bits from bits 2k..2k+1 of qh[32h + l];
    // its sub-block is 8h + 2k + l/16.
    public const int BlockSize = 256;
    public const int TypeSize = 210;

    // src: [n / 256 * 210] bytes; dst: [n] f32
    public static void Dequantize(ReadOnlySpan<byte> src, Span<float> dst)
    {
        QuantMath.AssertBlocks(src.Length, dst.Length, BlockSize, TypeSize);
        for (int b = 0; b < dst.Length / BlockSize; b++)
        {
            ReadOnlySpan<byte> block = src.Slice(b * TypeSize, TypeSize);
            Span<float> y = dst.Slice(b * BlockSize, BlockSize);
            float d = QuantMath.ReadHalf(block, 208);
            for (int h = 0; h < 2; h++)
            {
                ReadOnlySpan<byte> ql = block.Slice(64 * h, 64);
                ReadOnlySpan<byte> qh = block.Slice(128 + 32 * h, 32);
                for (int k = 0; k < 4; k++)
                {
                    for (int l = 0; l < 32; l++)
                    {
                        byte lowByte = ql[l + 32 * (k % 2)];
                        int low = k < 2 ? lowByte & 0x0F : lowByte >> 4;
                        int q = (low | (((qh[l] >> (2 * k)) & 3) << 4)) - 32;
                        sbyte sc = (sbyte)block[192 + 8 * h + 2 * k + l / 16];
                        y[128 * h + 32 * k + l] = d * sc * q; // (d * sc) * q, ggml's order
                    }
                }
            }
        }
    }

    // src: [n] f32; dst: [n / 256 * 210] bytes. Per 16-weight sub-block, fit a symmetric scale
    // (weights x^2); quantize the 16 scales to int8 against the largest-magnitude one (which
    // maps to -128, capped at 127); then recompute the codes from the stored scales.
    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst)
    {
        QuantMath.AssertBlocks(dst.Length, src.Length, BlockSize, TypeSize);
        Span<byte> codes = stackalloc byte[BlockSize];   // [256] u8, 0..63 (q + 32)
        Span<float> scales = stackalloc float[16];
        for (int b = 0; b < src.Length / BlockSize; b++)
        {
            ReadOnlySpan<float> x = src.Slice(b * BlockSize, BlockSize);
            Span<byte> block = dst.Slice(b * TypeSize, TypeSize);

            float maxScale = 0, maxAbsScale = 0;
            for (int s = 0; s < 16; s++)
            {
                scales[s] = ScaleSearch.FitSymmetricScale(32, x.Slice(16 * s, 16), codes.Slice(16 * s, 16));
                float abs = MathF.Abs(scales[s]);
                if (abs > maxAbsScale) { maxAbsScale = abs; maxScale = scales[s]; }
            }
            if (maxAbsScale < ScaleSearch.GroupMaxEps)
            {
                block.Clear(); // an all-zero block (d = +0) decodes to zeros
                continue;
            }

            float iscale = -128f / maxScale;
            QuantMath.WriteHalf(block, 208, 1 / iscale);
            for (int s = 0; s < 16; s++)
                block[192 + s] = (byte)(sbyte)Math.Min(127, QuantMath.NearestInt(iscale * scales[s]));

            float d = QuantMath.ReadHalf(block, 208);
            for (int s = 0; s < 16; s++)
            {
                float ds = d * (sbyte)block[192 + s];
                if (ds == 0f)
                    continue; // keep the codes from the fit, as ggml does
                for (int l = 0; l < 16; l++)
                    codes[16 * s + l] = (byte)(Math.Clamp(QuantMath.NearestInt(x[16 * s + l] / ds), -32, 31) + 32);
            }

            Span<byte> ql = block[..128];
            Span<byte> qh = block.Slice(128, 64);
            for (int h = 0; h < 2; h++)
            {
                for (int l = 0; l < 32; l++)
                {
                    int q0 = codes[128 * h + l], q1 = codes[128 * h + 32 + l];
                    int q2 = codes[128 * h + 64 + l], q3 = codes[128 * h + 96 + l];
                    Debug.Assert(q0 < 64 && q1 < 64 && q2 < 64 && q3 < 64);
                    ql[64 * h + l] = (byte)((q0 & 0x0F) | ((q2 & 0x0F) << 4));
                    ql[64 * h + 32 + l] = (byte)((q1 & 0x0F) | ((q3 & 0x0F) << 4));
                    qh[32 * h + l] = (byte)((q0 >> 4) | ((q1 >> 4) << 2) | ((q2 >> 4) << 4) | ((q3 >> 4) << 6));
                }
            }
        }
    }
}
