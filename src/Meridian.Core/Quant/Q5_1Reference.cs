// Q5_1: 32 weights per block, f16 scale and f16 min, 5-bit codes, w = d * q + m.
// Format and reference quantizer: ggml quantize_row_q5_1_ref / dequantize_row_q5_1,
// https://github.com/ggml-org/ggml/blob/master/src/ggml-quants.c (MIT)
using System.Buffers.Binary;

namespace Meridian.Core.Quant;

internal static class Q5_1Reference
{
    // Block layout, 24 bytes:
    //   [0, 2)   d   f16     scale
    //   [2, 4)   m   f16     min (value of code 0)
    //   [4, 8)   qh  u32 LE  bit i = fifth (high) bit of the code of element i
    //   [8, 24)  qs  u8[16]  byte j: low nibble = low 4 bits of element j, high nibble = element j + 16
    public const int BlockSize = 32;
    public const int TypeSize = 24;

    // src: [n / 32 * 24] bytes; dst: [n] f32
    public static void Dequantize(ReadOnlySpan<byte> src, Span<float> dst)
    {
        QuantMath.AssertBlocks(src.Length, dst.Length, BlockSize, TypeSize);
        for (int b = 0; b < dst.Length / BlockSize; b++)
        {
            ReadOnlySpan<byte> block = src.Slice(b * TypeSize, TypeSize);
            Span<float> y = dst.Slice(b * BlockSize, BlockSize);
            float d = QuantMath.ReadHalf(block, 0);
            float m = QuantMath.ReadHalf(block, 2);
            uint qh = BinaryPrimitives.ReadUInt32LittleEndian(block[4..]);
            ReadOnlySpan<byte> qs = block[8..];
            for (int j = 0; j < 16; j++)
            {
                int q0 = (qs[j] & 0x0F) | (int)(((qh >> j) & 1) << 4);
                int q1 = (qs[j] >> 4) | (int)(((qh >> (j + 16)) & 1) << 4);
                y[j] = q0 * d + m;
                y[j + 16] = q1 * d + m;
            }
        }
    }

    // src: [n] f32; dst: [n / 32 * 24] bytes. d = (max - min) / 31, code = round-half-up((x - min) / d).
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
            float d = (max - min) / 31f;
            float id = d != 0f ? 1f / d : 0f;
            QuantMath.WriteHalf(block, 0, d);
            QuantMath.WriteHalf(block, 2, min);

            // ggml casts straight to uint8 here (no cap at 31): (x - min) / d <= 31 + rounding
            // for finite input, so the clamp changes nothing there and keeps NaN/inf input in range.
            uint qh = 0;
            for (int j = 0; j < 16; j++)
            {
                int q0 = Math.Clamp((int)((x[j] - min) * id + 0.5f), 0, 31);
                int q1 = Math.Clamp((int)((x[j + 16] - min) * id + 0.5f), 0, 31);
                block[8 + j] = (byte)((q0 & 0x0F) | ((q1 & 0x0F) << 4));
                qh |= (uint)(q0 >> 4) << j;
                qh |= (uint)(q1 >> 4) << (j + 16);
            }
            BinaryPrimitives.WriteUInt32LittleEndian(block[4..], qh);
        }
    }
}
