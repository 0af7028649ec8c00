// F32 "codec": little-endian IEEE binary32, copied bit for bit (NaN payloads included).
using System.Buffers.Binary;

namespace Meridian.Core.Quant;

internal static class F32Reference
{
    // src: [n * 4] bytes; dst: [n] f32
    public static void Dequantize(ReadOnlySpan<byte> src, Span<float> dst)
    {
        QuantMath.AssertBlocks(src.Length, dst.Length, 1, 4);
        for (int i = 0; i < dst.Length; i++)
            dst[i] = BinaryPrimitives.ReadSingleLittleEndian(src[(4 * i)..]);
    }

    // src: [n] f32; dst: [n * 4] bytes
    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst)
    {
        QuantMath.AssertBlocks(dst.Length, src.Length, 1, 4);
        for (int i = 0; i < src.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(dst[(4 * i)..], src[i]);
    }
}
