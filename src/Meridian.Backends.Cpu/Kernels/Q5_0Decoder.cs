// Q5_0 (22-byte blocks: f16 d, u32 qh with bit i = fifth bit of element i, 16 bytes of low nibbles
// packed as Q4_0's; w = d·(q − 16)), ggml-quants.c dequantize_row_q5_0 (MIT), decoded for GroupKernel.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Meridian.Backends.Cpu.Kernels;

internal unsafe struct Q5_0Decoder : IGroupDecoder
{
    private const int BlockBytes = 22;

    public static int GroupBytes => 8 * BlockBytes;

    public static int BiasShift => 4;

    public static bool Signed => false;

    public static bool HasMin => false;

    public static bool HalfScales => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Decode(byte* src, byte* codes, float* scale, float* min)
    {
        if (CpuIsa.Avx2)
        {
            IntDot.Halves8(src, BlockBytes).Store(scale);
            Store(src + 2, BlockBytes, codes);
            return;
        }
        for (int l = 0; l < 8; l++)
        {
            scale[l] = IntDot.Half(src + l * BlockBytes);
            StoreScalar(src + l * BlockBytes + 2, l, codes);
        }
    }

    /// <summary>The codes of 8 blocks whose qh (u32) and 16 nibble bytes start at src + l·stride (Q5_0 and Q5_1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Store(byte* src, int stride, byte* codes)
    {
        var qh = Vector256.Create(*(int*)src, *(int*)(src + stride), *(int*)(src + 2 * stride), *(int*)(src + 3 * stride),
            *(int*)(src + 4 * stride), *(int*)(src + 5 * stride), *(int*)(src + 6 * stride), *(int*)(src + 7 * stride));
        Transpose.Nibbles(src + 4, stride, out var c0, out var c1, out var c2, out var c3, out var c4, out var c5, out var c6, out var c7);
        (c0 | Transpose.Bits(qh, 0, 0x10)).Store(codes);
        (c1 | Transpose.Bits(qh, 1, 0x10)).Store(codes + 32);
        (c2 | Transpose.Bits(qh, 2, 0x10)).Store(codes + 64);
        (c3 | Transpose.Bits(qh, 3, 0x10)).Store(codes + 96);
        (c4 | Transpose.Bits(qh, 4, 0x10)).Store(codes + 128);
        (c5 | Transpose.Bits(qh, 5, 0x10)).Store(codes + 160);
        (c6 | Transpose.Bits(qh, 6, 0x10)).Store(codes + 192);
        (c7 | Transpose.Bits(qh, 7, 0x10)).Store(codes + 224);
    }

    /// <summary>Block l's 32 codes from its qh and nibbles at src, one at a time.</summary>
    internal static void StoreScalar(byte* src, int l, byte* codes)
    {
        uint qh = *(uint*)src;
        for (int i = 0; i < 16; i++)
        {
            byte q = src[4 + i];
            codes[i / 4 * 32 + l * 4 + i % 4] = (byte)((q & 0x0Fu) | ((qh >> i) & 1) << 4);
            codes[(i / 4 + 4) * 32 + l * 4 + i % 4] = (byte)((uint)(q >> 4) | ((qh >> (i + 16)) & 1) << 4);
        }
    }
}
