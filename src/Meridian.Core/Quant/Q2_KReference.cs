// Q2_K: 256-weight super-blocks of 16 sub-blocks, 2-bit codes with a 4-bit scale and 4-bit min
// per sub-block, w = d * sc * q - dmin * m. Decode only. Format: ggml dequantize_row_q2_K,
// https://github.com/ggml-org/ggml/blob/master/src/ggml-quants.c (MIT)
namespace Meridian.Core.Quant;

internal static class Q2_KReference
{
    // Block layout, 84 bytes:
    //   [0, 16)   scales  u8[16]  sub-block s (16 weights): low nibble = scale, high nibble = min
    //   [16, 80)  qs      u8[64]  2-bit codes; see the element order below
    //   [80, 82)  d       f16     super-scale of the scales
    //   [82, 84)  dmin    f16     super-scale of the mins
    // Element order: each half h (128 weights) uses qs[32h .. 32h+32); element 128h + 32k + l
    // (k = 0..3, l = 0..31) is bits 2k..2k+1 of qs[32h + l] and belongs to sub-block 8h + 2k + l/16.
    public const int BlockSize = 256;
    public const int TypeSize = 84;

    // src: [n / 256 * 84] bytes; dst: [n] f32
    public static void Dequantize(ReadOnlySpan<byte> src, Span<float> dst)
    {
        QuantMath.AssertBlocks(src.Length, dst.Length, BlockSize, TypeSize);
        for (int b = 0; b < dst.Length / BlockSize; b++)
        {
            ReadOnlySpan<byte> block = src.Slice(b * TypeSize, TypeSize);
            Span<float> y = dst.Slice(b * BlockSize, BlockSize);
            ReadOnlySpan<byte> scales = block[..16];
            float d = QuantMath.ReadHalf(block, 80);
            float dmin = QuantMath.ReadHalf(block, 82);

            for (int h = 0; h < 2; h++)
            {
                ReadOnlySpan<byte> qs = block.Slice(16 + 32 * h, 32);
                for (int k = 0; k < 4; k++)
                {
                    for (int l = 0; l < 32; l++)
                    {
                        byte sc = scales[8 * h + 2 * k + l / 16];
                        float dl = d * (sc & 0x0F);
                        float ml = dmin * (sc >> 4);
                        int q = (qs[l] >> (2 * k)) & 3;
                        y[128 * h + 32 * k + l] = dl * q - ml;
                    }
                }
            }
        }
    }
}
