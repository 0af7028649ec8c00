// F16: little-endian IEEE binary16. Narrowing rounds to nearest even (System.Half), which is what
// ggml's GGML_FP32_TO_FP16 does (F16C or its software fallback); widening is exact.
// https://github.com/ggml-org/ggml/blob/master/src/ggml-impl.h (MIT)
namespace Meridian.Core.Quant;

internal static class Fp16Reference
{
    // src: [n * 2] bytes; dst: [n] f32
    public static void Dequantize(ReadOnlySpan<byte> src, Span<float> dst)
    {
        QuantMath.AssertBlocks(src.Length, dst.Length, 1, 2);
        for (int i = 0; i < dst.Length; i++)
            dst[i] = QuantMath.ReadHalf(src, 2 * i);
    }

    // src: [n] f32; dst: [n * 2] bytes
    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst)
    {
        QuantMath.AssertBlocks(dst.Length, src.Length, 1, 2);
        for (int i = 0; i < src.Length; i++)
            QuantMath.WriteHalf(dst, 2 * i, src[i]);
    }
}
