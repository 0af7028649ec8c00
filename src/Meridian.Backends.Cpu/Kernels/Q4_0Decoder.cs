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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Decode(byte* src, byte* codes, float* scale, float* min)
    {
        if (CpuIsa.Avx2)
        {
            IntDot.Halves8(src, BlockBytes).Store(scale);
            Transpose.Dwords8x4(Q(src, 0), Q(src, 1), Q(src, 2), Q(src, 3), Q(src, 4), Q(src, 5), Q(src, 6), Q(src, 7),
                out var x0, out var x1, out var x2, out var x3);
            var mask = Vector256.Create((byte)0x0F);
            Store(x0, 0, codes, mask);
            Store(x1, 1, codes, mask);
            Store(x2, 2, codes, mask);
            Store(x3, 3, codes, mask);
            return;
        }
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

    private static Vector128<int> Q(byte* src, int l) => Vector128.Load(src + l * BlockBytes + 2).AsInt32();

    // Dword j holds elements 4j..4j+3 in its low nibbles and 4(j+4)..4(j+4)+3 in its high ones.
    private static void Store(Vector256<int> x, int j, byte* codes, Vector256<byte> mask)
    {
        (x.AsByte() & mask).Store(codes + j * 32);
        (Vector256.ShiftRightLogical(x.AsUInt16(), 4).AsByte() & mask).Store(codes + (j + 4) * 32);
    }
}
