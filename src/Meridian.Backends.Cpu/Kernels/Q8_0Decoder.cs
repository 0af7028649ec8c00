// Q8_0 (34-byte blocks: f16 d, 32 int8 codes, w = d·q), ggml-quants.c (MIT), decoded for GroupKernel.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Meridian.Backends.Cpu.Kernels;

internal unsafe struct Q8_0Decoder : IGroupDecoder
{
    private const int BlockBytes = 34;

    public static int GroupBytes => 8 * BlockBytes;

    public static int BiasShift => -1;

    public static bool Signed => true;

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
        Transpose.Dwords8x8(Vector256.Load(src + 2), Vector256.Load(src + 2 + BlockBytes), Vector256.Load(src + 2 + 2 * BlockBytes),
            Vector256.Load(src + 2 + 3 * BlockBytes), Vector256.Load(src + 2 + 4 * BlockBytes), Vector256.Load(src + 2 + 5 * BlockBytes),
            Vector256.Load(src + 2 + 6 * BlockBytes), Vector256.Load(src + 2 + 7 * BlockBytes),
            out c0, out c1, out c2, out c3, out c4, out c5, out c6, out c7);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Decode(byte* src, byte* codes, float* scale, float* min)
    {
        for (int l = 0; l < 8; l++)
            scale[l] = IntDot.Half(src + l * BlockBytes);
        for (int l = 0; l < 8; l++)
        {
            for (int i = 0; i < 32; i++)
                codes[i / 4 * 32 + l * 4 + i % 4] = src[l * BlockBytes + 2 + i];
        }
    }
}
