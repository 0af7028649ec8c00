// Q3_K: 256-weight super-blocks of 16 sub-blocks, 3-bit codes (2 low bits + 1 high bit) with a
// signed 6-bit scale per sub-block, w = d * (sc - 32) * (q - 4). Decode only. Format: ggml
// dequantize_row_q3_K, https://github.com/ggml-org/ggml/blob/master/src/ggml-quants.c (MIT)
namespace Meridian.Core.Quant;

internal static class Q3_KReference
{
    // Block layout, 110 bytes:
    //   [0, 32)    hmask   u8[32]  high code bit: element 32m + l uses bit m of hmask[l]
    //   [32, 96)   qs      u8[64]  low 2 code bits, same order as Q2_K (see Q2_KReference)
    //   [96, 108)  scales  u8[12]  sixteen 6-bit scales (see UnpackScale)
    //   [108, 110) d       f16     super-scale
    // A set hmask bit means code = low bits; a clear bit means low bits - 4 (range -4..3).
    public const int BlockSize = 256;
    public const int TypeSize = 110;

    // src: [n / 256 * 110] bytes; dst: [n] f32
    public static void Dequantize(ReadOnlySpan<byte> src, Span<float> dst)
    {
        QuantMath.AssertBlocks(src.Length, dst.Length, BlockSize, TypeSize);
        for (int b = 0; b < dst.Length / BlockSize; b++)
        {
            ReadOnlySpan<byte> block = src.Slice(b * TypeSize, TypeSize);
            Span<float> y = dst.Slice(b * BlockSize, BlockSize);
            ReadOnlySpan<byte> hmask = block[..32];
            ReadOnlySpan<byte> scales = block.Slice(96, 12);
            float d = QuantMath.ReadHalf(block, 108);

            for (int h = 0; h < 2; h++)
            {
                ReadOnlySpan<byte> qs = block.Slice(32 + 32 * h, 32);
                for (int k = 0; k < 4; k++)
                {
                    int m = 4 * h + k; // which hmask bit
                    for (int l = 0; l < 32; l++)
                    {
                        float dl = d * (UnpackScale(scales, 8 * h + 2 * k + l / 16) - 32);
                        int low = (qs[l] >> (2 * k)) & 3;
                        int q = low - ((hmask[l] >> m & 1) != 0 ? 0 : 4);
                        y[128 * h + 32 * k + l] = dl * q;
                    }
                }
            }
        }
    }

    // Scale i (0..15), unsigned 6 bits: the low 4 bits are the low nibble of scales[i] for
    // i < 8 and the high nibble of scales[i - 8] otherwise; the high 2 bits are bits
    // 2*(i/4) .. 2*(i/4)+1 of scales[8 + i%4].
    private static int UnpackScale(ReadOnlySpan<byte> scales, int i)
    {
        int low = i < 8 ? scales[i] & 0x0F : scales[i - 8] >> 4;
        int high = (scales[8 + i % 4] >> (2 * (i / 4))) & 3;
        return low | (high << 4);
    }
}
