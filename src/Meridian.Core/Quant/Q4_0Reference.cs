// Q4_0: 32 weights per block, one f16 scale and 4-bit codes, w = d * (q - 8).
// Format and reference quantizer: ggml quantize_row_q4_0_ref / dequantize_row_q4_0,
// https://github.com/ggml-org/ggml/blob/master/src/ggml-quants.c (MIT)
namespace Meridian.Core.Quant;

internal static class Q4_0Reference
{
    // Block layout, 18 bytes:
    //   [0, 2)   d   f16     scale
    //   [2, 18)  qs  u8[16]  byte j: low nibble = code of element j, high nibble = element j + 16
    public const int BlockSize = 32;
    public const int TypeSize = 18;

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
                y[j] = ((qs[j] & 0x0F) - 8) * d;
                y[j + 16] = ((qs[j] >> 4) - 8) * d;
            }
        }
    }

    // src: [n] f32; dst: [n / 32 * 18] bytes.
    // The scale is chosen so the signed value of largest magnitude lands exactly on code 0
    // (d = max / -8); the opposite end then saturates at code 15, i.e. 7 * |d|. Codes are
    // computed with the unrounded 1/d, as ggml does, even though d is stored as f16.
    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst)
    {
        QuantMath.AssertBlocks(dst.Length, src.Length, BlockSize, TypeSize);
        for (int b = 0; b < src.Length / BlockSize; b++)
        {
            ReadOnlySpan<float> x = src.Slice(b * BlockSize, BlockSize);
            Span<byte> block = dst.Slice(b * TypeSize, TypeSize);

            float amax = 0f, max = 0f; // first element of largest magnitude, with its sign
            foreach (float v in x)
            {
                if (amax < MathF.Abs(v)) { amax = MathF.Abs(v); max = v; }
            }
            float d = max / -8f;
            float id = d != 0f ? 1f / d : 0f;
            QuantMath.WriteHalf(block, 0, d);

            for (int j = 0; j < 16; j++)
                block[2 + j] = (byte)(Code(x[j] * id) | (Code(x[j + 16] * id) << 4));
        }
    }

    // Truncation of (v + 8.5) is round-half-up for the in-range values v in [-8, 8]; the lower
    // clamp only matters for NaN/inf input, where ggml's C cast is undefined.
    private static int Code(float scaled) => Math.Clamp((int)(scaled + 8.5f), 0, 15);
}
