// Q4_0 (18-byte blocks: f16 d, 16 bytes of 4-bit codes; byte i holds element i in its low nibble and
// element i + 16 in its high one; w = d·(q − 8)), ggml-quants.c (MIT), decoded for GroupKernel.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Meridian.Backends.Cpu.Kernels;

internal unsafe struct Q4_0Decoder : IGroupDecoder
{
    private const int BlockBytes = 18;

    public static int GroupBytes => 8 * BlockBytes;

    public static int BiasShift => 3;

    public static bool Signed => false;

    public static bool HasMin => false;

    public static bool HalfScales => false;

    public static bool HasRegisterDecode => CpuIsa.Avx2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void DecodeRegisters(byte* src, out Vector256<byte> c0, out Vector256<byte> c1, out Vector256<byte> c2, out Vector256<byte> c3,
        out Vector256<byte> c4, out Vector256<byte> c5, out Vector256<byte> c6, out Vector256<byte> c7,
        out Vector256<float> scale, out Vector256<float> scale2, out Vector256<float> min)
    {
        scale = IntDot.Halves8(src, BlockBytes);
        scale2 = min = default;
        Transpose.Nibbles(src + 2, BlockBytes, out c0, out c1, out c2, out c3, out c4, out c5, out c6, out c7);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Decode(byte* src, byte* codes, float* scale, float* min)
    {
        for (int l = 0; l < 8; l++)
            scale[l] = IntDot.Half(src + l * BlockBytes);
        for (int l = 0; l < 8; l++)
        {
            for (int i = 0; i < 16; i++)
            {
                byte q = src[l * BlockBytes + 2 + i];
                codes[i / 4 * 32 + l * 4 + i % 4] = (byte)(q & 0x0F);
                codes[(i / 4 + 4) * 32 + l * 4 + i % 4] = (byte)(q >> 4);
            }
        }
    }
}
