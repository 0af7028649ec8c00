// Q4_1: 32 weights per block, f16 scale and f16 min, 4-bit codes, w = d * q + m.
// Format and reference quantizer: ggml quantize_row_q4_1_ref / dequantize_row_q4_1,
// https://github.com/ggml-org/ggml/blob/master/src/ggml-quants.c (MIT)
namespace Meridian.Core.Quant;

internal static class Q4_1Reference
{
    // Block layout, 20 bytes:
    //   [0, 2)   d   f16     scale
    //   [2, 4)   m   f16     min (value of code 0)
    //   [4, 20)  qs  u8[16]  byte j: low nibble = code of element j, high nibble = element j + 16
    public const int BlockSize = 32;
    public const int TypeSize = 20;

    // src: [n / 32 * 20] bytes; dst: [n] f32
    public static void Dequantize(ReadOnlySpan<byte> src, Span<float> dst)
    {
        QuantMath.AssertBlocks(src.Length, dst.Length, BlockSize, TypeSize);
        for (int b = 0; b < dst.Length / BlockSize; b++)
        {
            ReadOnlySpan<byte> block = src.Slice(b * TypeSize, TypeSize);
            Span<float> y = dst.Slice(b * BlockSize, BlockSize);
            float d = QuantMath.ReadHalf(block, 0);
            float m = QuantMath.ReadHalf(block, 2);
            ReadOnlySpan<byte> qs = block[4..];
            for (int j = 0; j < 16; j++)
            {
                y[j] = (qs[j] & 0x0F) * d + m;
                y[j + 16] = (qs[j] >> 4) * d + m;
            }
        }
    }

    // src: [n] f32; dst: [n / 32 * 20] bytes. Spreads [min, max] over 16 levels:
    // d = (max - min) / 15, code = round-half-up((x - min) / d), capped at 15.
    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst)
    {
        QuantMath.AssertBlocks(dst.Length, src.Length, BlockSize, TypeSize);
        for (int b = 0; b < src.Length / BlockSize; b++)
        {
            ReadOnlySpan<float> x = src.Slice(b * BlockSize, BlockSize);
            Span<byte> block = dst.Slice(b * TypeSize, TypeSize);

            float min = float.MaxValue, max = -float.MaxValue;
            foreach (float v in x)
            {
                if (v < min) min = v;
                if (v > max) max = v;
            }
            float d = (max - min) / 15f;
            float id = d != 0f ? 1f / d : 0f;
            QuantMath.WriteHalf(block, 0, d);
            QuantMath.WriteHalf(block, 2, min);

            for (int j = 0; j < 16; j++)
            {
                int lo = Math.Clamp((int)((x[j] - min) * id + 0.5f), 0, 15);
                int hi = Math.Clamp((int)((x[j + 16] - min) * id + 0.5f), 0, 15);
                block[4 + j] = (byte)(lo | (hi << 4));
            }
        }
    }
}
