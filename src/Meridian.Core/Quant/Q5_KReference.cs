// Q5_K: 256-weight super-blocks of 8 sub-blocks of 32, 5-bit codes with a 6-bit scale and
// 6-bit min per sub-block, w = d * sc * q - dmin * m. Format and reference quantizer: ggml
// quantize_row_q5_K_ref / dequantize_row_q5_K, https://github.com/ggml-org/ggml/blob/master/src/ggml-quants.c (MIT)
using System.Diagnostics;

namespace Meridian.Core.Quant;

internal static class Q5_KReference
{
    // Block layout, 176 bytes:
    //   [0, 2)     d       f16      super-scale of the sub-block scales
    //   [2, 4)     dmin    f16      super-scale of the sub-block mins
    //   [4, 16)    scales  u8[12]   eight 6-bit scales + eight 6-bit mins (QuantMath.GetScaleMinK4)
    //   [16, 48)   qh      u8[32]   fifth code bit: element 32s + l uses bit s of qh[l] (s = sub-block)
    //   [48, 176)  qs      u8[128]  low 4 bits, ordered as in Q4_K: element 64g + l is the low
    //                                nibble of qs[32g + l], element 64g + 32 + l the high nibble
    public const int BlockSize = 256;
    public const int TypeSize = 176;

    // src: [n / 256 * 176] bytes; dst: [n] f32
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
            ReadOnlySpan<byte> qh = block.Slice(16, 32);

            for (int g = 0; g < 4; g++)
            {
                ReadOnlySpan<byte> qs = block.Slice(48 + 32 * g, 32);
                var (sc1, m1) = QuantMath.GetScaleMinK4(scales, 2 * g);
                var (sc2, m2) = QuantMath.GetScaleMinK4(scales, 2 * g + 1);
                float d1 = d * sc1, min1 = dmin * m1;
                float d2 = d * sc2, min2 = dmin * m2;
                for (int l = 0; l < 32; l++)
                {
                    int q1 = (qs[l] & 0x0F) + ((qh[l] >> (2 * g)) & 1) * 16;
                    int q2 = (qs[l] >> 4) + ((qh[l] >> (2 * g + 1)) & 1) * 16;
                    y[64 * g + l] = d1 * q1 - min1;
                    y[64 * g + 32 + l] = d2 * q2 - min2;
                }
            }
        }
    }

    // src: [n] f32; dst: [n / 256 * 176] bytes. Same scheme as Q4_K with codes 0..31 and a
    // finer search grid (ggml: rmin -0.5, rdelta 0.1, 16 steps).
    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst)
    {
        QuantMath.AssertBlocks(dst.Length, src.Length, BlockSize, TypeSize);
        Span<byte> codes = stackalloc byte[BlockSize];   // [256] u8, 0..31
        Span<byte> scratch = stackalloc byte[32];
        Span<float> weights = stackalloc float[32];
        Span<float> scales = stackalloc float[8];
        Span<float> mins = stackalloc float[8];
        for (int b = 0; b < src.Length / BlockSize; b++)
        {
            ReadOnlySpan<float> x = src.Slice(b * BlockSize, BlockSize);
            Span<byte> block = dst.Slice(b * TypeSize, TypeSize);
            KQuantAffine.FitSubBlocks(x, nmax: 31, rmin: -0.5f, rdelta: 0.1f, nstep: 15, weights, scratch, codes, scales, mins);
            KQuantAffine.StoreScalesAndRecode(x, block, nmax: 31, scales, mins, codes);

            Span<byte> qh = block.Slice(16, 32);
            Span<byte> qs = block.Slice(48, 128);
            qh.Clear();
            for (int g = 0; g < 4; g++)
            {
                for (int l = 0; l < 32; l++)
                {
                    int q1 = codes[64 * g + l], q2 = codes[64 * g + 32 + l];
                    Debug.Assert(q1 < 32 && q2 < 32);
                    qs[32 * g + l] = (byte)((q1 & 0x0F) | ((q2 & 0x0F) << 4));
                    qh[l] |= (byte)(((q1 >> 4) << (2 * g)) | ((q2 >> 4) << (2 * g + 1)));
                }
            }
        }
    }
}
