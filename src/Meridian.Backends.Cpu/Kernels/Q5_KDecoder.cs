// Q5_K (176-byte super-blocks of 256: f16 d, f16 dmin, 12 bytes of 6-bit scales and mins, qh u8[32]
// fifth code bits, qs u8[128] low nibbles; w = d·sc·q − dmin·m per sub-block of 32), ggml-quants.c
// dequantize_row_q5_K (MIT), decoded for GroupKernel: one super-block is one group.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Meridian.Backends.Cpu.Kernels;

internal unsafe struct Q5_KDecoder : IGroupDecoder
{
    private const int QhAt = 16, QsAt = 48;

    public static int GroupBytes => 176;

    public static int BiasShift => -1;

    public static bool Signed => false;

    public static bool HasMin => true;

    public static bool HalfScales => false;

    // As Q4_K's nibbles (sub-blocks 2i, 2i + 1 share qs[32i ..)), plus bit b of qh[l] as bit 4 of
    // element l of sub-block b.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Decode(byte* src, byte* codes, float* scale, float* min)
    {
        KScaleMin.Decode(src + 4, IntDot.Half(src), IntDot.Half(src + 2), scale, min);
        if (CpuIsa.Avx2)
        {
            var m4 = Vector256.Create((byte)0x0F);
            var bit4 = Vector256.Create((byte)0x10);
            var qh = Vector256.Load(src + QhAt).AsUInt16();
            var q0 = Vector256.Load(src + QsAt);
            var q1 = Vector256.Load(src + QsAt + 32);
            var q2 = Vector256.Load(src + QsAt + 64);
            var q3 = Vector256.Load(src + QsAt + 96);
            // Bit b of each qh byte moved to bit 4 with 16-bit shifts; what crosses a byte boundary
            // lands outside bit 4 and is masked off.
            Transpose.Dwords8x8(
                (q0 & m4) | (Vector256.ShiftLeft(qh, 4).AsByte() & bit4),
                High(q0, m4) | (Vector256.ShiftLeft(qh, 3).AsByte() & bit4),
                (q1 & m4) | (Vector256.ShiftLeft(qh, 2).AsByte() & bit4),
                High(q1, m4) | (Vector256.ShiftLeft(qh, 1).AsByte() & bit4),
                (q2 & m4) | (qh.AsByte() & bit4),
                High(q2, m4) | (Vector256.ShiftRightLogical(qh, 1).AsByte() & bit4),
                (q3 & m4) | (Vector256.ShiftRightLogical(qh, 2).AsByte() & bit4),
                High(q3, m4) | (Vector256.ShiftRightLogical(qh, 3).AsByte() & bit4),
                codes);
            return;
        }
        for (int b = 0; b < 8; b++)
        {
            for (int l = 0; l < 32; l++)
            {
                byte q = src[QsAt + 32 * (b / 2) + l];
                int code = (b % 2 == 0 ? q & 0x0F : q >> 4) | ((src[QhAt + l] >> b) & 1) << 4;
                codes[l / 4 * 32 + b * 4 + l % 4] = (byte)code;
            }
        }
    }

    private static Vector256<byte> High(Vector256<byte> q, Vector256<byte> m4) => Vector256.ShiftRightLogical(q.AsUInt16(), 4).AsByte() & m4;
}
