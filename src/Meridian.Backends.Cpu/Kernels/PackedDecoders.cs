// Q4_0, Q8_0, Q4_K and Q6_K weights regrouped at load time into the layout GroupKernel dots (ours, no
// file format has it): per group of 256 weights the codes already interleaved by dwords (lane l of code
// vector j = codes 4j..4j+3 of block l) and the scales in the order the kernel loads them. The file
// layouts need a register transpose per group on every use (12 to 24 shuffles, the decode path's
// bottleneck: a TinyLlama Q4_0 matrix streamed at 25.6 GB/s on one core); these need none (45.6 GB/s).
// Same bytes per group as the file, so a packed model takes the memory the mapped one did.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Meridian.Backends.Cpu.Kernels;

/// <summary>
/// Q4_0 packed (144 bytes per 256 weights): 8 f16 scales, then 4 × 32 nibble bytes; byte 4l + c of
/// vector j holds element 4j + c of block l in its low nibble and element 4j + 16 + c in its high one.
/// </summary>
internal unsafe struct Q4_0PackedDecoder : IGroupDecoder
{
    public static int GroupBytes => 144;

    public static int BiasShift => 3;

    public static bool Signed => false;

    public static bool HasMin => false;

    public static bool HalfScales => false;

    public static bool HasRegisterDecode => CpuIsa.Avx2;

    public static bool WholeGroups => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void DecodeRegisters(byte* src, out Vector256<byte> c0, out Vector256<byte> c1, out Vector256<byte> c2, out Vector256<byte> c3,
        out Vector256<byte> c4, out Vector256<byte> c5, out Vector256<byte> c6, out Vector256<byte> c7,
        out Vector256<float> scale, out Vector256<float> scale2, out Vector256<float> min)
    {
        scale = PackedScales(src);
        scale2 = min = default;
        Nibbles(src + 16, out c0, out c1, out c2, out c3, out c4, out c5, out c6, out c7);
    }

    public static void Decode(byte* src, byte* codes, float* scale, float* min)
    {
        for (int l = 0; l < 8; l++)
            scale[l] = IntDot.Half(src + 2 * l);
        NibblesScalar(src + 16, codes);
    }

    /// <summary>128 packed nibble bytes → the 8 code vectors: vector j's low nibbles are c_j, its high ones c_(j+4).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Nibbles(byte* p, out Vector256<byte> c0, out Vector256<byte> c1, out Vector256<byte> c2, out Vector256<byte> c3,
        out Vector256<byte> c4, out Vector256<byte> c5, out Vector256<byte> c6, out Vector256<byte> c7)
    {
        var mask = Vector256.Create((byte)0x0F);
        var x0 = Vector256.Load(p);
        var x1 = Vector256.Load(p + 32);
        var x2 = Vector256.Load(p + 64);
        var x3 = Vector256.Load(p + 96);
        c0 = x0 & mask;
        c1 = x1 & mask;
        c2 = x2 & mask;
        c3 = x3 & mask;
        c4 = Vector256.ShiftRightLogical(x0.AsUInt16(), 4).AsByte() & mask;
        c5 = Vector256.ShiftRightLogical(x1.AsUInt16(), 4).AsByte() & mask;
        c6 = Vector256.ShiftRightLogical(x2.AsUInt16(), 4).AsByte() & mask;
        c7 = Vector256.ShiftRightLogical(x3.AsUInt16(), 4).AsByte() & mask;
    }

    /// <summary><see cref="Nibbles"/> one byte at a time: codes [256] in the interleaved layout.</summary>
    internal static void NibblesScalar(byte* p, byte* codes)
    {
        for (int i = 0; i < 128; i++)
        {
            codes[i] = (byte)(p[i] & 0x0F);
            codes[128 + i] = (byte)(p[i] >> 4);
        }
    }

    /// <summary>The 8 f16 scales at the start of a packed group as f32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> PackedScales(byte* src) =>
        IntDot.HalfToSingle(Avx2.ConvertToVector256Int32(Vector128.Load((ushort*)src)).AsInt32());
}

/// <summary>Q8_0 packed (272 bytes per 256 weights): 8 f16 scales, then 8 × 32 int8 codes in the interleaved order.</summary>
internal unsafe struct Q8_0PackedDecoder : IGroupDecoder
{
    public static int GroupBytes => 272;

    public static int BiasShift => -1;

    public static bool Signed => true;

    public static bool HasMin => false;

    public static bool HalfScales => false;

    public static bool HasRegisterDecode => CpuIsa.Avx2;

    public static bool WholeGroups => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void DecodeRegisters(byte* src, out Vector256<byte> c0, out Vector256<byte> c1, out Vector256<byte> c2, out Vector256<byte> c3,
        out Vector256<byte> c4, out Vector256<byte> c5, out Vector256<byte> c6, out Vector256<byte> c7,
        out Vector256<float> scale, out Vector256<float> scale2, out Vector256<float> min)
    {
        scale = Q4_0PackedDecoder.PackedScales(src);
        scale2 = min = default;
        c0 = Vector256.Load(src + 16);
        c1 = Vector256.Load(src + 48);
        c2 = Vector256.Load(src + 80);
        c3 = Vector256.Load(src + 112);
        c4 = Vector256.Load(src + 144);
        c5 = Vector256.Load(src + 176);
        c6 = Vector256.Load(src + 208);
        c7 = Vector256.Load(src + 240);
    }

    public static void Decode(byte* src, byte* codes, float* scale, float* min)
    {
        for (int l = 0; l < 8; l++)
            scale[l] = IntDot.Half(src + 2 * l);
        new ReadOnlySpan<byte>(src + 16, 256).CopyTo(new Span<byte>(codes, 256));
    }
}

/// <summary>Q4_K packed (144 bytes per super-block): its first 16 bytes as in the file (d, dmin, the 12 bytes of 6-bit scales and mins), then the codes as Q4_0 packs them.</summary>
internal unsafe struct Q4_KPackedDecoder : IGroupDecoder
{
    public static int GroupBytes => 144;

    public static int BiasShift => -1;

    public static bool Signed => false;

    public static bool HasMin => true;

    public static bool HalfScales => false;

    public static bool HasRegisterDecode => CpuIsa.Avx2;

    public static bool WholeGroups => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void DecodeRegisters(byte* src, out Vector256<byte> c0, out Vector256<byte> c1, out Vector256<byte> c2, out Vector256<byte> c3,
        out Vector256<byte> c4, out Vector256<byte> c5, out Vector256<byte> c6, out Vector256<byte> c7,
        out Vector256<float> scale, out Vector256<float> scale2, out Vector256<float> min)
    {
        KScaleMin.DecodeRegisters(src + 4, IntDot.Half(src), IntDot.Half(src + 2), out scale, out min);
        scale2 = default;
        Q4_0PackedDecoder.Nibbles(src + 16, out c0, out c1, out c2, out c3, out c4, out c5, out c6, out c7);
    }

    public static void Decode(byte* src, byte* codes, float* scale, float* min)
    {
        KScaleMin.Decode(src + 4, IntDot.Half(src), IntDot.Half(src + 2), scale, min);
        Q4_0PackedDecoder.NibblesScalar(src + 16, codes);
    }
}

/// <summary>
/// Q6_K packed (210 bytes per super-block): 128 bytes of low code nibbles as Q4_0 packs them; 64 bytes
/// of high code bits, where bits 2i, 2i + 1 of byte p of vector m are bits 4..5 of byte p of code vector
/// m + 2i; the 16 int8 scales, first halves of the 8 blocks then second halves; f16 d.
/// </summary>
internal unsafe struct Q6_KPackedDecoder : IGroupDecoder
{
    private const int HighAt = 128, ScalesAt = 192, DAt = 208;

    public static int GroupBytes => 210;

    public static int BiasShift => 5;

    public static bool Signed => false;

    public static bool HasMin => false;

    public static bool HalfScales => true;

    public static bool HasRegisterDecode => CpuIsa.Avx2;

    public static bool WholeGroups => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void DecodeRegisters(byte* src, out Vector256<byte> c0, out Vector256<byte> c1, out Vector256<byte> c2, out Vector256<byte> c3,
        out Vector256<byte> c4, out Vector256<byte> c5, out Vector256<byte> c6, out Vector256<byte> c7,
        out Vector256<float> scale, out Vector256<float> scale2, out Vector256<float> min)
    {
        Q4_0PackedDecoder.Nibbles(src, out c0, out c1, out c2, out c3, out c4, out c5, out c6, out c7);
        // The 16-bit shifts move bits across byte boundaries only into positions the mask then clears.
        var h0 = Vector256.Load(src + HighAt).AsUInt16();
        var h1 = Vector256.Load(src + HighAt + 32).AsUInt16();
        var m2 = Vector256.Create((byte)0x30);
        c0 |= Vector256.ShiftLeft(h0, 4).AsByte() & m2;
        c1 |= Vector256.ShiftLeft(h1, 4).AsByte() & m2;
        c2 |= Vector256.ShiftLeft(h0, 2).AsByte() & m2;
        c3 |= Vector256.ShiftLeft(h1, 2).AsByte() & m2;
        c4 |= h0.AsByte() & m2;
        c5 |= h1.AsByte() & m2;
        c6 |= Vector256.ShiftRightLogical(h0, 2).AsByte() & m2;
        c7 |= Vector256.ShiftRightLogical(h1, 2).AsByte() & m2;
        var vd = Vector256.Create(IntDot.Half(src + DAt));
        var sc = Vector128.Load((sbyte*)src + ScalesAt);
        scale = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(sc)) * vd;
        scale2 = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Sse2.ShiftRightLogical128BitLane(sc, 8))) * vd;
        min = default;
    }

    public static void Decode(byte* src, byte* codes, float* scale, float* min)
    {
        Q4_0PackedDecoder.NibblesScalar(src, codes);
        for (int j = 0; j < 8; j++)
        {
            for (int p = 0; p < 32; p++)
                codes[j * 32 + p] |= (byte)(((src[HighAt + (j % 2) * 32 + p] >> (2 * (j / 2))) & 3) << 4);
        }
        float d = IntDot.Half(src + DAt);
        for (int i = 0; i < 16; i++)
            scale[i] = d * (sbyte)src[ScalesAt + i];
    }
}
