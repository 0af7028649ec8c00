// Q5_1 (24-byte blocks: f16 d, f16 m, u32 qh fifth bits, 16 bytes of low nibbles, as Q5_0's;
// w = d·q + m), ggml-quants.c dequantize_row_q5_1 (MIT), decoded for GroupKernel (scale d, min −m).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Meridian.Backends.Cpu.Kernels;

internal unsafe struct Q5_1Decoder : IGroupDecoder
{
    private const int BlockBytes = 24;

    public static int GroupBytes => 8 * BlockBytes;

    public static int BiasShift => -1;

    public static bool Signed => false;

    public static bool HasMin => true;

    public static bool HalfScales => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Decode(byte* src, byte* codes, float* scale, float* min)
    {
        if (CpuIsa.Avx2)
        {
            IntDot.HalfPairs8(src, BlockBytes, out var d, out var m);
            d.Store(scale);
            (-m).Store(min);
            Q5_0Decoder.Store(src + 4, BlockBytes, codes);
            return;
        }
        for (int l = 0; l < 8; l++)
        {
            scale[l] = IntDot.Half(src + l * BlockBytes);
            min[l] = -IntDot.Half(src + l * BlockBytes + 2);
            Q5_0Decoder.StoreScalar(src + l * BlockBytes + 4, l, codes);
        }
    }
}
