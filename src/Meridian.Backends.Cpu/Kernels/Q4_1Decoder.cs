// Q4_1 (20-byte blocks: f16 d, f16 m, 16 bytes of 4-bit codes packed as Q4_0's; w = d·q + m),
// ggml-quants.c dequantize_row_q4_1 (MIT), decoded for GroupKernel (scale d, min −m).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Meridian.Backends.Cpu.Kernels;

internal unsafe struct Q4_1Decoder : IGroupDecoder
{
    private const int BlockBytes = 20;

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
            Transpose.Nibbles(src + 4, BlockBytes, out var c0, out var c1, out var c2, out var c3, out var c4, out var c5, out var c6, out var c7);
            c0.Store(codes);
            c1.Store(codes + 32);
            c2.Store(codes + 64);
            c3.Store(codes + 96);
            c4.Store(codes + 128);
            c5.Store(codes + 160);
            c6.Store(codes + 192);
            c7.Store(codes + 224);
            return;
        }
        for (int l = 0; l < 8; l++)
        {
            byte* block = src + l * BlockBytes;
            scale[l] = IntDot.Half(block);
            min[l] = -IntDot.Half(block + 2);
            for (int i = 0; i < 16; i++)
            {
                codes[i / 4 * 32 + l * 4 + i % 4] = (byte)(block[4 + i] & 0x0F);
                codes[(i / 4 + 4) * 32 + l * 4 + i % 4] = (byte)(block[4 + i] >> 4);
            }
        }
    }
}
