// BF16: the top 16 bits of an IEEE binary32, little-endian. Narrowing follows ggml's
// ggml_compute_fp32_to_bf16: round to nearest even, NaN forced quiet.
// https://github.com/ggml-org/ggml/blob/master/src/ggml-impl.h (MIT)
using System.Buffers.Binary;

namespace Meridian.Core.Quant;

internal static class Bf16Reference
{
    // src: [n * 2] bytes; dst: [n] f32
    public static void Dequantize(ReadOnlySpan<byte> src, Span<float> dst)
    {
        QuantMath.AssertBlocks(src.Length, dst.Length, 1, 2);
        for (int i = 0; i < dst.Length; i++)
            dst[i] = ToSingle(BinaryPrimitives.ReadUInt16LittleEndian(src[(2 * i)..]));
    }

    // src: [n] f32; dst: [n * 2] bytes
    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst)
    {
        QuantMath.AssertBlocks(dst.Length, src.Length, 1, 2);
        for (int i = 0; i < src.Length; i++)
            BinaryPrimitives.WriteUInt16LittleEndian(dst[(2 * i)..], FromSingle(src[i]));
    }

    public static float ToSingle(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    public static ushort FromSingle(float value)
    {
        uint u = BitConverter.SingleToUInt32Bits(value);
        if ((u & 0x7FFFFFFF) > 0x7F800000)
            return (ushort)((u >> 16) | 0x40); // NaN: keep sign and top payload, set the quiet bit
        // Adding 0x7FFF plus the lowest kept bit rounds the dropped half to nearest, ties to even;
        // a carry out of the mantissa correctly bumps the exponent (up to infinity).
        return (ushort)((u + 0x7FFF + ((u >> 16) & 1)) >> 16);
    }
}
