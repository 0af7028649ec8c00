// IQ4_NL (18-byte blocks: f16 d, 16 bytes of 4-bit indices packed as Q4_0's into the 16-entry int8
// table kvalues_iq4nl; w = d·kvalues[q]), ggml-quants.c dequantize_row_iq4_nl (MIT), decoded for
// GroupKernel: the table values are the (signed) codes, looked up 32 at a time with vpshufb.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Meridian.Backends.Cpu.Kernels;

internal unsafe struct IQ4_NLDecoder : IGroupDecoder
{
    private const int BlockBytes = 18;

    public static int GroupBytes => 8 * BlockBytes;

    public static int BiasShift => -1;

    public static bool Signed => true;

    public static bool HasMin => false;

    public static bool HalfScales => false;

    // ggml-common.h kvalues_iq4nl; Core's Iq4NlReference.Levels is the reference copy.
    private static ReadOnlySpan<sbyte> Levels => [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Decode(byte* src, byte* codes, float* scale, float* min)
    {
        if (CpuIsa.Avx2)
        {
            IntDot.Halves8(src, BlockBytes).Store(scale);
            var table = Vector256.Create(Vector128.Create(Levels).AsByte());
            Transpose.Nibbles(src + 2, BlockBytes, out var c0, out var c1, out var c2, out var c3, out var c4, out var c5, out var c6, out var c7);
            Avx2.Shuffle(table, c0).Store(codes);
            Avx2.Shuffle(table, c1).Store(codes + 32);
            Avx2.Shuffle(table, c2).Store(codes + 64);
            Avx2.Shuffle(table, c3).Store(codes + 96);
            Avx2.Shuffle(table, c4).Store(codes + 128);
            Avx2.Shuffle(table, c5).Store(codes + 160);
            Avx2.Shuffle(table, c6).Store(codes + 192);
            Avx2.Shuffle(table, c7).Store(codes + 224);
            return;
        }
        for (int l = 0; l < 8; l++)
        {
            byte* block = src + l * BlockBytes;
            scale[l] = IntDot.Half(block);
            for (int i = 0; i < 16; i++)
            {
                codes[i / 4 * 32 + l * 4 + i % 4] = (byte)Levels[block[2 + i] & 0x0F];
                codes[(i / 4 + 4) * 32 + l * 4 + i % 4] = (byte)Levels[block[2 + i] >> 4];
            }
        }
    }
}
