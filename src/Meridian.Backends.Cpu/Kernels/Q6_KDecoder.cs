// Q6_K (210-byte super-blocks of 256: ql u8[128] low code nibbles, qh u8[64] high 2 bits, int8
// scales[16] one per 16 weights, f16 d; w = d·sc·(q − 32)), ggml-quants.c dequantize_row_q6_K (MIT),
// decoded for GroupKernel: one super-block is one group, each half block keeps its own scale.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Meridian.Backends.Cpu.Kernels;

internal unsafe struct Q6_KDecoder : IGroupDecoder
{
    private const int QhAt = 128, ScalesAt = 192, DAt = 208;

    public static int GroupBytes => 210;

    public static int BiasShift => 5;

    public static bool Signed => false;

    public static bool HasMin => false;

    public static bool HalfScales => true;

    // Block b = 4h + k of the super-block (elements 128h + 32k + l, l = 0..31): low bits from
    // ql[64h + 32·(k % 2) + l] (low nibble for k < 2, high for k >= 2), high bits from bits 2k, 2k+1
    // of qh[32h + l]; its halves are sub-blocks 2b and 2b + 1.
    public static bool HasRegisterDecode => CpuIsa.Avx2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void DecodeRegisters(byte* src, out Vector256<byte> c0, out Vector256<byte> c1, out Vector256<byte> c2, out Vector256<byte> c3,
        out Vector256<byte> c4, out Vector256<byte> c5, out Vector256<byte> c6, out Vector256<byte> c7,
        out Vector256<float> scale, out Vector256<float> scale2, out Vector256<float> min)
    {
        float d = IntDot.Half(src + DAt);
        Half(src, 0, out var b0, out var b1, out var b2, out var b3);
        Half(src, 1, out var b4, out var b5, out var b6, out var b7);
        Transpose.Dwords8x8(b0, b1, b2, b3, b4, b5, b6, b7, out c0, out c1, out c2, out c3, out c4, out c5, out c6, out c7);
        var sc = Ssse3.Shuffle(Vector128.Load((sbyte*)src + ScalesAt), Vector128.Create((byte)0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15).AsSByte());
        var vd = Vector256.Create(d);
        scale = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(sc)) * vd;
        scale2 = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Sse2.ShiftRightLogical128BitLane(sc, 8))) * vd;
        min = default;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Decode(byte* src, byte* codes, float* scale, float* min)
    {
        float d = IntDot.Half(src + DAt);
        for (int s = 0; s < 16; s++)
            scale[s % 2 * 8 + s / 2] = d * (sbyte)src[ScalesAt + s];
        for (int b = 0; b < 8; b++)
        {
            int h = b / 4, k = b % 4;
            for (int l = 0; l < 32; l++)
            {
                byte low = src[64 * h + 32 * (k % 2) + l];
                int q = (k < 2 ? low & 0x0F : low >> 4) | (((src[QhAt + 32 * h + l] >> (2 * k)) & 3) << 4);
                codes[l / 4 * 32 + b * 4 + l % 4] = (byte)q;
            }
        }
    }

    // The 4 blocks of half h, each as 32 codes in element order. The 16-bit shifts move bits across
    // byte boundaries only into positions the byte masks then clear.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Half(byte* src, int h, out Vector256<byte> k0, out Vector256<byte> k1, out Vector256<byte> k2, out Vector256<byte> k3)
    {
        var ql0 = Vector256.Load(src + 64 * h);
        var ql1 = Vector256.Load(src + 64 * h + 32);
        var qh = Vector256.Load(src + QhAt + 32 * h).AsUInt16();
        var m4 = Vector256.Create((byte)0x0F);
        var m2 = Vector256.Create((byte)0x30);
        k0 = (ql0 & m4) | (Vector256.ShiftLeft(qh, 4).AsByte() & m2);
        k1 = (ql1 & m4) | (Vector256.ShiftLeft(qh, 2).AsByte() & m2);
        k2 = (Vector256.ShiftRightLogical(ql0.AsUInt16(), 4).AsByte() & m4) | (qh.AsByte() & m2);
        k3 = (Vector256.ShiftRightLogical(ql1.AsUInt16(), 4).AsByte() & m4) | (Vector256.ShiftRightLogical(qh, 2).AsByte() & m2);
    }
}
