// Q4_0 and Q8_0 weights regrouped at load time into the layout GroupKernel dots (ours, no file format
// has it): per group of 8 blocks, the 8 f16 scales side by side, then the codes already interleaved by
// dwords (lane l of vector j = codes 4j..4j+3 of block l). The file layout needs a register transpose
// per group on every use (12 to 24 shuffles, the decode path's bottleneck: a TinyLlama Q4_0 matrix
// streamed at 25.6 GB/s on one core); this one needs none (45.6 GB/s). Same bytes per group as the
// file, so a packed model takes the memory the mapped one did.
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
        var mask = Vector256.Create((byte)0x0F);
        var x0 = Vector256.Load(src + 16);
        var x1 = Vector256.Load(src + 48);
        var x2 = Vector256.Load(src + 80);
        var x3 = Vector256.Load(src + 112);
        c0 = x0 & mask;
        c1 = x1 & mask;
        c2 = x2 & mask;
        c3 = x3 & mask;
        c4 = Vector256.ShiftRightLogical(x0.AsUInt16(), 4).AsByte() & mask;
        c5 = Vector256.ShiftRightLogical(x1.AsUInt16(), 4).AsByte() & mask;
        c6 = Vector256.ShiftRightLogical(x2.AsUInt16(), 4).AsByte() & mask;
        c7 = Vector256.ShiftRightLogical(x3.AsUInt16(), 4).AsByte() & mask;
    }

    public static void Decode(byte* src, byte* codes, float* scale, float* min)
    {
        for (int l = 0; l < 8; l++)
            scale[l] = IntDot.Half(src + 2 * l);
        for (int i = 0; i < 128; i++)
        {
            codes[i] = (byte)(src[16 + i] & 0x0F);
            codes[128 + i] = (byte)(src[16 + i] >> 4);
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
