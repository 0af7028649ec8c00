// Small numeric helpers shared by the scalar quant codecs: f16 fields, ggml's nearest_int, and
// the 6-bit scale/min packing of Q4_K/Q5_K. Reference: ggml/src/ggml-quants.c (MIT),
// https://github.com/ggml-org/ggml/blob/master/src/ggml-quants.c
using System.Buffers.Binary;
using System.Diagnostics;

namespace Meridian.Core.Quant;

internal static class QuantMath
{
    // Reads a little-endian IEEE binary16 at offset and widens it (exact).
    public static float ReadHalf(ReadOnlySpan<byte> block, int offset) =>
        (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(block[offset..]));

    // Narrows to binary16 with round-to-nearest-even (what ggml's F16C / software path does)
    // and writes it little-endian. Magnitudes of 65520 and up become infinity, as in ggml.
    public static void WriteHalf(Span<byte> block, int offset, float value) =>
        BinaryPrimitives.WriteUInt16LittleEndian(block[offset..], BitConverter.HalfToUInt16Bits((Half)value));

    // The value a scale has after a store to f16 and a load back; quantizers re-derive codes
    // from this rounded scale so that dequantization sees the scale the codes were fitted to.
    public static float RoundTripHalf(float value) => (float)(Half)value;

    // ggml's nearest_int: adding 1.5 * 2^23 pushes the integer part into the low mantissa bits,
    // so the float adder performs round-half-to-even. Valid for |value| <= 2^22 - 1; outside
    // that (NaN, huge inputs) it returns a meaningless but finite int, exactly as ggml does.
    public static int NearestInt(float value)
    {
        float shifted = value + 12582912f;
        return (BitConverter.SingleToInt32Bits(shifted) & 0x007FFFFF) - 0x00400000;
    }

    // Unpacks the 6-bit scale and min of sub-block j (0..7) from the 12-byte
    // K-quant scale field (ggml get_scale_min_k4). Layout:
    //   bytes 0..3:  low 6 bits = scale of sub-block 0..3, top 2 bits = high bits of scale 4..7
    //   bytes 4..7:  low 6 bits = min   of sub-block 0..3, top 2 bits = high bits of min   4..7
    //   bytes 8..11: low nibble = low 4 bits of scale 4..7, high nibble = low 4 bits of min 4..7
    public static (byte Scale, byte Min) GetScaleMinK4(ReadOnlySpan<byte> scales, int j)
    {
        Debug.Assert(scales.Length >= 12 && (uint)j < 8);
        if (j < 4)
            return ((byte)(scales[j] & 63), (byte)(scales[j + 4] & 63));
        byte scale = (byte)((scales[j + 4] & 0x0F) | ((scales[j - 4] >> 6) << 4));
        byte min = (byte)((scales[j + 4] >> 4) | ((scales[j] >> 6) << 4));
        return (scale, min);
    }

    // Inverse of GetScaleMinK4: packs eight 6-bit scales and mins (each <= 63)
    // into the 12-byte field.
    public static void PackScaleMinK4(Span<byte> scales, ReadOnlySpan<byte> ls, ReadOnlySpan<byte> lm)
    {
        Debug.Assert(scales.Length >= 12 && ls.Length == 8 && lm.Length == 8);
        for (int j = 0; j < 4; j++)
        {
            scales[j] = (byte)(ls[j] | ((ls[j + 4] >> 4) << 6));
            scales[j + 4] = (byte)(lm[j] | ((lm[j + 4] >> 4) << 6));
            scales[j + 8] = (byte)((ls[j + 4] & 0x0F) | ((lm[j + 4] & 0x0F) << 4));
        }
    }

    // Checks the span lengths a codec was handed: whole blocks, matching counts. The public
    // facade validates with messages first; this only guards internal callers.
    [Conditional("DEBUG")]
    public static void AssertBlocks(int bytes, int elements, int blockSize, int typeSize) =>
        Debug.Assert(elements % blockSize == 0 && (long)elements / blockSize * typeSize == bytes,
            $"{bytes} bytes do not hold {elements} elements in blocks of {blockSize} / {typeSize} bytes");
}
