// The 12-byte scale field of Q4_K and Q5_K (eight 6-bit sub-block scales and eight 6-bit mins, the
// upper four of each split across bytes), ggml-quants.c get_scale_min_k4 (MIT); Core's
// QuantMath.GetScaleMinK4 is the one-at-a-time reference.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Meridian.Backends.Cpu.Kernels;

internal static unsafe class KScaleMin
{
    /// <summary><see cref="Decode"/> into registers (AVX2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void DecodeRegisters(byte* p, float d, float dmin, out Vector256<float> scale, out Vector256<float> min)
    {
        Unpack(p, out ulong scales, out ulong mins);
        scale = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Vector128.CreateScalar(scales).AsByte())) * Vector256.Create(d);
        min = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Vector128.CreateScalar(mins).AsByte())) * Vector256.Create(dmin);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Unpack(byte* p, out ulong scales, out ulong mins)
    {
        uint u0 = *(uint*)p, u1 = *(uint*)(p + 4), u2 = *(uint*)(p + 8);
        const uint Low6 = 0x3F3F3F3F, Low4 = 0x0F0F0F0F, Low2 = 0x03030303;
        scales = (u0 & Low6) | (ulong)((u2 & Low4) | (((u0 >> 6) & Low2) << 4)) << 32;
        mins = (u1 & Low6) | (ulong)(((u2 >> 4) & Low4) | (((u1 >> 6) & Low2) << 4)) << 32;
    }

    /// <summary>scale[l] = d · sc_l and min[l] = dmin · m_l for the 8 sub-blocks; p: the 12 bytes. scale, min: [8] f32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Decode(byte* p, float d, float dmin, float* scale, float* min)
    {
        // Bytes 0..3 hold scales 0..3 and bytes 4..7 mins 0..3 in their low 6 bits; byte 8 + j holds
        // the low nibbles of scale 4 + j and (high nibble) min 4 + j, whose top 2 bits sit in bits 6..7
        // of bytes j and 4 + j. All four lanes of a dword at once.
        Unpack(p, out ulong scales, out ulong mins);
        if (CpuIsa.Avx2)
        {
            var s = Avx2.ConvertToVector256Int32(Vector128.CreateScalar(scales).AsByte());
            var m = Avx2.ConvertToVector256Int32(Vector128.CreateScalar(mins).AsByte());
            (Avx.ConvertToVector256Single(s) * Vector256.Create(d)).Store(scale);
            (Avx.ConvertToVector256Single(m) * Vector256.Create(dmin)).Store(min);
            return;
        }
        for (int l = 0; l < 8; l++)
        {
            scale[l] = d * (byte)(scales >> (8 * l));
            min[l] = dmin * (byte)(mins >> (8 * l));
        }
    }
}
