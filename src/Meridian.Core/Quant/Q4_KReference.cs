// Q4_K: 256-weight super-blocks of 8 sub-blocks of 32, 4-bit codes with a 6-bit scale and
// 6-bit min per sub-block, w = d * sc * q - dmin * m. Format and reference quantizer: ggml
// quantize_row_q4_K_ref / dequantize_row_q4_K, https://github.com/ggml-org/ggml/blob/master/src/ggml-quants.c (MIT)
using System.Diagnostics;

namespace Meridian.Core.Quant;

internal static class Q4_KReference
{
    // Block layout, 144 bytes:
    //   [0, 2)     d       f16      super-scale of the sub-block scales
    //   [2, 4)     dmin    f16      super-scale of the sub-block mins
    //   [4, 16)    scales  u8[12]   eight 6-bit scales + eight 6-bit mins (QuantMath.GetScaleMinK4)
    //   [16, 144)  qs      u8[128]  each 64 weights use 32 bytes: element 64g + l is the low nibble
    //                                of qs[32g + l] (sub-block 2g), element 64g + 32 + l the high
    //                                nibble (sub-block 2g + 1), l = 0..31
    public const int BlockSize = 256;
    public const int TypeSize = 144;

    // src: [n / 256 * 144] bytes; dst: [n] f32
    public static void Dequantize(ReadOnlySpan<byte> src, Span<float> dst)
    {
        QuantMath.AssertBlocks(src.Length, dst.Length, BlockSize, TypeSize);
        for (int b = 0; b < dst.Length / BlockSize; b++)
        {
            ReadOnlySpan<byte> block = src.Slice(b * TypeSize, TypeSize);
            Span<float> y = dst.Slice(b * BlockSize, BlockSize);
            float d = QuantMath.ReadHalf(block, 0);
            float dmin = QuantMath.ReadHalf(block, 2);
            ReadOnlySpan<byte> scales = block.Slice(4, 12);

            for (int g = 0; g < 4; g++)
            {
                ReadOnlySpan<byte> qs = block.Slice(16 + 32 * g, 32);
                var (sc1, m1) = QuantMath.GetScaleMinK4(scales, 2 * g);
                var (sc2, m2) = QuantMath.GetScaleMinK4(scales, 2 * g + 1);
                float d1 = d * sc1, min1 = dmin * m1;
                float d2 = d * sc2, min2 = dmin * m2;
                for (int l = 0; l < 32; l++)
                {
                    y[64 * g + l] = d1 * (qs[l] & 0x0F) - min1;
                    y[64 * g + 32 + l] = d2 * (qs[l] >> 4) - min2;
                }
            }
        }
    }

    // src: [n] f32; dst: [n / 256 * 144] bytes. Per sub-block, fit scale and min by weighted
    // least squares (weights rms(x) + |x|); quantize the eight scales and eight mins to 6 bits
    // against their maxima; then recompute every code from the f16/6-bit scales actually stored.
    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst)
    {
        QuantMath.AssertBlocks(dst.Length, src.Length, BlockSize, TypeSize);
        Span<byte> codes = stackalloc byte[BlockSize];   // [256] u8, 0..15
        Span<byte> scratch = stackalloc byte[32];
        Span<float> weights = stackalloc float[32];
        Span<float> scales = stackalloc float[8];
        Span<float> mins = stackalloc float[8];
        for (int b = 0; b < src.Length / BlockSize; b++)
        {
            ReadOnlySpan<float> x = src.Slice(b * BlockSize, BlockSize);
            Span<byte> block = dst.Slice(b * TypeSize, TypeSize);
            KQuantAffine.FitSubBlocks(x, nmax: 15, rmin: -1f, rdelta: 0.1f, nstep: 20, weights, scratch, codes, scales, mins);
            KQuantAffine.StoreScalesAndRecode(x, block, nmax: 15, scales, mins, codes);

            Span<byte> qs = block.Slice(16, 128);
            for (int g = 0; g < 4; g++)
            {
                for (int l = 0; l < 32; l++)
                {
                    Debug.Assert(codes[64 * g + l] < 16 && codes[64 * g + 32 + l] < 16);
                    qs[32 * g + l] = (byte)(codes[64 * g + l] | (codes[64 * g + 32 + l] << 4));
                }
            }
        }
    }
}
