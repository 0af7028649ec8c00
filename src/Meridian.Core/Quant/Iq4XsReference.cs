// IQ4_XS: 256-weight super-blocks of 8 sub-blocks of 32, IQ4_NL's non-linear 4-bit levels with a
// signed 6-bit scale per sub-block, w = d * (ls - 32) * kvalues[q]. Decode only. Format: ggml
// dequantize_row_iq4_xs, https://github.com/ggml-org/ggml/blob/master/src/ggml-quants.c (MIT)
using System.Buffers.Binary;

namespace Meridian.Core.Quant;

internal static class Iq4XsReference
{
    // Block layout, 136 bytes:
    //   [0, 2)     d         f16      super-scale
    //   [2, 4)     scales_h  u16 LE   bits 2s..2s+1 = high 2 bits of sub-block s's scale
    //   [4, 8)     scales_l  u8[4]    nibble s%2 of byte s/2 = low 4 bits of sub-block s's scale
    //   [8, 136)   qs        u8[128]  16 bytes per sub-block s: byte j holds element 32s + j (low
    //                                  nibble) and element 32s + 16 + j (high nibble)
    public const int BlockSize = 256;
    public const int TypeSize = 136;

    // src: [n / 256 * 136] bytes; dst: [n] f32
    public static void Dequantize(ReadOnlySpan<byte> src, Span<float> dst)
    {
        QuantMath.AssertBlocks(src.Length, dst.Length, BlockSize, TypeSize);
        ReadOnlySpan<sbyte> levels = Iq4NlReference.Levels;
        for (int b = 0; b < dst.Length / BlockSize; b++)
        {
            ReadOnlySpan<byte> block = src.Slice(b * TypeSize, TypeSize);
            Span<float> y = dst.Slice(b * BlockSize, BlockSize);
            float d = QuantMath.ReadHalf(block, 0);
            ushort scalesH = BinaryPrimitives.ReadUInt16LittleEndian(block[2..]);
            for (int s = 0; s < 8; s++)
            {
                int ls = ((block[4 + s / 2] >> (4 * (s % 2))) & 0x0F) | (((scalesH >> (2 * s)) & 3) << 4);
                float dl = d * (ls - 32);
                ReadOnlySpan<byte> qs = block.Slice(8 + 16 * s, 16);
                for (int j = 0; j < 16; j++)
                {
                    y[32 * s + j] = dl * levels[qs[j] & 0x0F];
                    y[32 * s + 16 + j] = dl * levels[qs[j] >> 4];
                }
            }
        }
    }
}
