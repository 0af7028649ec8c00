// IQ4_NL: 32 weights per block, one f16 scale and 4-bit indices into a fixed non-linear table,
// w = d * kvalues[q]. Decode only. Format: ggml dequantize_row_iq4_nl and the kvalues_iq4nl
// table in ggml-common.h, https://github.com/ggml-org/ggml/blob/master/src/ggml-quants.c (MIT)
namespace Meridian.Core.Quant;

internal static class Iq4NlReference
{
    // Block layout, 18 bytes (same shape as Q4_0):
    //   [0, 2)   d   f16     scale
    //   [2, 18)  qs  u8[16]  byte j: low nibble = index of element j, high nibble = element j + 16
    public const int BlockSize = 32;
    public const int TypeSize = 18;

    // The 16 levels, denser near zero where weights cluster (ggml kvalues_iq4nl).
    internal static ReadOnlySpan<sbyte> Levels => [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];

    // src: [n / 32 * 18] bytes; dst: [n] f32
    public static void Dequantize(ReadOnlySpan<byte> src, Span<float> dst)
    {
        QuantMath.AssertBlocks(src.Length, dst.Length, BlockSize, TypeSize);
        for (int b = 0; b < dst.Length / BlockSize; b++)
        {
            ReadOnlySpan<byte> block = src.Slice(b * TypeSize, TypeSize);
            Span<float> y = dst.Slice(b * BlockSize, BlockSize);
            float d = QuantMath.ReadHalf(block, 0);
            ReadOnlySpan<byte> qs = block[2..];
            for (int j = 0; j < 16; j++)
            {
                y[j] = d * Levels[qs[j] & 0x0F];
                y[j + 16] = d * Levels[qs[j] >> 4];
            }
        }
    }
}
