// Q4_K (144-byte super-blocks of 256: f16 d, f16 dmin, 12 bytes of 6-bit scales and mins, qs u8[128];
// w = d·sc·q − dmin·m per sub-block of 32), ggml-quants.c dequantize_row_q4_K (MIT), decoded for
// GroupKernel: one super-block is one group, its 8 sub-blocks the group's blocks.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Meridian.Backends.Cpu.Kernels;

internal unsafe struct Q4_KDecoder : IGroupDecoder
{
    private const int QsAt = 16;

    public static int GroupBytes => 144;

    public static int BiasShift => -1;

    public static bool Signed => false;

    public static bool HasMin => true;

    public static bool HalfScales => false;

    // Sub-blocks 2i and 2i + 1 share the 32 bytes qs[32i ..): element l of 2i is the low nibble of
    // byte l, element l of 2i + 1 its high nibble.
    public static bool HasRegisterDecode => CpuIsa.Avx2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void DecodeRegisters(byte* src, out Vector256<byte> c0, out Vector256<byte> c1, out Vector256<byte> c2, out Vector256<byte> c3,
        out Vector256<byte> c4, out Vector256<byte> c5, out Vector256<byte> c6, out Vector256<byte> c7,
        out Vector256<float> scale, out Vector256<float> scale2, out Vector256<float> min)
    {
        KScaleMin.DecodeRegisters(src + 4, IntDot.Half(src), IntDot.Half(src + 2), out scale, out min);
        scale2 = default;
        var m4 = Vector256.Create((byte)0x0F);
        var q0 = Vector256.Load(src + QsAt);
        var q1 = Vector256.Load(src + QsAt + 32);
        var q2 = Vector256.Load(src + QsAt + 64);
        var q3 = Vector256.Load(src + QsAt + 96);
        Transpose.Dwords8x8(q0 & m4, High(q0, m4), q1 & m4, High(q1, m4), q2 & m4, High(q2, m4), q3 & m4, High(q3, m4),
            out c0, out c1, out c2, out c3, out c4, out c5, out c6, out c7);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Decode(byte* src, byte* codes, float* scale, float* min)
    {
        KScaleMin.Decode(src + 4, IntDot.Half(src), IntDot.Half(src + 2), scale, min);
        for (int b = 0; b < 8; b++)
        {
            for (int l = 0; l < 32; l++)
            {
                byte q = src[QsAt + 32 * (b / 2) + l];
                codes[l / 4 * 32 + b * 4 + l % 4] = (byte)(b % 2 == 0 ? q & 0x0F : q >> 4);
            }
        }
    }

    private static Vector256<byte> High(Vector256<byte> q, Vector256<byte> m4) => Vector256.ShiftRightLogical(q.AsUInt16(), 4).AsByte() & m4;
}
