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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Decode(byte* src, byte* codes, float* scale, float* min)
    {
        if (CpuIsa.Avx2)
        {
            IntDot.Halves8(src, BlockBytes).Store(scale);
            Transpose.Dwords8x8(src + 2, BlockBytes, codes, Vector256<byte>.Zero);
            return;
        }
        for (int l = 0; l < 8; l++)
            scale[l] = IntDot.Half(src + l * BlockBytes);
        for (int l = 0; l < 8; l++)
        {
            for (int i = 0; i < 32; i++)
                codes[i / 4 * 32 + l * 4 + i % 4] = src[l * BlockBytes + 2 + i];
        }
    }
}
