// Q5_0: 32 weights per block, one f16 scale and 5-bit codes, w = d * (q - 16).
// Format and reference quantizer: ggml quantize_row_q5_0_ref / dequantize_row_q5_0,
// https://github.com/ggml-org/ggml/blob/master/src/ggml-quants.c (MIT)
using System.Buffers.Binary;

namespace Meridian.Core.Quant;

internal static class Q5_0Reference
{
    // Block layout, 22 bytes:
    //   [0, 2)   d   f16     scale
    //   [2, 6)   qh  u32 LE  bit i = fifth (high) bit of the code of element i
    //   [6, 22)  qs  u8[16]  byte j: low nibble = low 4 bits of element j, high nibble = element j + 16
    public const int BlockSize = 32;
    public const int TypeSize = 22;

    // src: [n / 32 * 22] bytes; dst: [n] f32
    public static void Dequantize(ReadOnlySpan<byte> src, Span<float> dst)
    {
        QuantMath.AssertBlocks(src.Length, dst.Length, BlockSize, TypeSize);
        for (int b = 0; b < dst.Length / BlockSize; b++)
        {
            ReadOnlySpan<byte> block = src.Slice(b * TypeSize, TypeSize);
            Span<float> y = dst.Slice(b * BlockSize, BlockSize);
            float d = QuantMath.ReadHalf(block, 0);
            uint qh = BinaryPrimitives.ReadUInt32LittleEndian(block[2..]);
            ReadOnlySpan<byte> qs = block[6..];
            for (int j = 0; j < 16; j++)
            {
                int q0 = (qs[j] & 0x0F) | (int)(((qh >> j) & 1) << 4);
                int q1 = (qs[j] >> 4) | (int)(((qh >> (j + 16)) & 1) << 4);
                y[j] = (q0 - 16) * d;
                y[j + 16] = (q1 - 16) * d;
            }
        }
    }

    // src: [n] f32; dst: [n / 32 * 22] bytes. As Q4_0 with 32 levels: d = max / -16 puts the
    // largest-magnitude value on code 0; codes use the unrounded 1/d.
    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst)
    {
        QuantMath.AssertBlocks(dst.Length, src.Length, BlockSize, TypeSize);
        for (int b = 0; b < src.Length / BlockSize; b++)
        {
            ReadOnlySpan<float> x = src.Slice(b * BlockSize, BlockSize);
            Span<byte> block = dst.Slice(b * TypeSize, TypeSize);

            float amax = 0f, max = 0f;
            foreach (float v in x)
            {
                if (amax < MathF.Abs(v)) { amax = MathF.Abs(v); max = v; }
            }
            float d = max / -16f;
            float id = d != 0f ? 1f / d : 0f;
            QuantMath.WriteHalf(block, 0, d);

            uint qh = 0;
            for (int j = 0; j < 16; j++)
            {
                int q0 = Math.Clamp((int)(x[j] * id + 16.5f), 0, 31);
                int q1 = Math.Clamp((int)(x[j + 16] * id + 16.5f), 0, 31);
                block[6 + j] = (byte)((q0 & 0x0F) | ((q1 & 0x0F) << 4));
                qh |= (uint)(q0 >> 4) << j;
                qh |= (uint)(q1 >> 4) << (j + 16);
            }
            BinaryPrimitives.WriteUInt32LittleEndian(block[2..], qh);
        }
    }
}
