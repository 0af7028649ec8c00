// Q8_0: 32 weights per block, one f16 scale and signed 8-bit codes, w = d * q.
// Format and reference quantizer: ggml quantize_row_q8_0_ref / dequantize_row_q8_0,
// https://github.com/ggml-org/ggml/blob/master/src/ggml-quants.c (MIT)
namespace Meridian.Core.Quant;

internal static class Q8_0Reference
{
    // Block layout, 34 bytes:
    //   [0, 2)   d   f16     scale
    //   [2, 34)  qs  i8[32]  code of element j
    public const int BlockSize = 32;
    public const int TypeSize = 34;

    // src: [n / 32 * 34] bytes; dst: [n] f32
    public static void Dequantize(ReadOnlySpan<byte> src, Span<float> dst)
    {
        QuantMath.AssertBlocks(src.Length, dst.Length, BlockSize, TypeSize);
        for (int b = 0; b < dst.Length / BlockSize; b++)
        {
            ReadOnlySpan<byte> block = src.Slice(b * TypeSize, TypeSize);
            Span<float> y = dst.Slice(b * BlockSize, BlockSize);
            float d = QuantMath.ReadHalf(block, 0);
            for (int j = 0; j < BlockSize; j++)
                y[j] = (sbyte)block[2 + j] * d;
        }
    }

    // src: [n] f32; dst: [n / 32 * 34] bytes. d = amax / 127 and code = round-half-away(x / d),
    // with the unrounded 1/d (the stored d is f16).
    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst)
    {
        QuantMath.AssertBlocks(dst.Length, src.Length, BlockSize, TypeSize);
        for (int b = 0; b < src.Length / BlockSize; b++)
        {
            ReadOnlySpan<float> x = src.Slice(b * BlockSize, BlockSize);
            Span<byte> block = dst.Slice(b * TypeSize, TypeSize);

            float amax = 0f;
            foreach (float v in x)
                amax = MathF.Max(amax, MathF.Abs(v));
            float d = amax / 127f;
            float id = d != 0f ? 1f / d : 0f;
            QuantMath.WriteHalf(block, 0, d);

            // |x * id| <= 127 (+ an ulp) for finite input; the clamp only guards NaN/inf.
            for (int j = 0; j < BlockSize; j++)
                block[2 + j] = (byte)(sbyte)Math.Clamp((int)MathF.Round(x[j] * id, MidpointRounding.AwayFromZero), -128, 127);
        }
    }
}
