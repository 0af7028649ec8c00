// The int8 dot-product primitives the quantized kernels share: 32 products summed into 8 int32
// lanes with AVX-VNNI (vpdpbusd) or AVX2 (vpmaddubsw + vpmaddwd), and f16 scale conversion.
// Reference for the instruction semantics: Intel SDM, VPDPBUSD / PMADDUBSW.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Meridian.Backends.Cpu.Kernels;

internal static class IntDot
{
    /// <summary>
    /// acc + Σ u·a in 8 int32 lanes (lane i sums bytes 4i..4i+3). u: unsigned codes <= 31 (so AVX2's
    /// saturating 16-bit pair sums, 2 · 31 · 128, cannot overflow); a: int8 activations.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> DotU(Vector256<int> acc, Vector256<byte> u, Vector256<sbyte> a)
    {
        if (CpuIsa.AvxVnni)
            return AvxVnni.MultiplyWideningAndAdd(acc, u, a);
        return Avx2.Add(acc, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, a), Vector256.Create((short)1)));
    }

    /// <summary>acc + Σ w·a for signed w in [-127, 127]: |w| · (a with w's sign), so the unsigned operand stays <= 127.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> DotS(Vector256<int> acc, Vector256<sbyte> w, Vector256<sbyte> a) =>
        DotU(acc, Avx2.Abs(w), Avx2.Sign(a, w));

    /// <summary>
    /// Eight f16 values, at p + l·stride for lane l, widened to f32 exactly: the exponent and mantissa
    /// moved into f32 position and rescaled by 2^112 (exact for normals and subnormals alike), the
    /// sign put back, inf/NaN re-created. Eight scalar loads into one vector rather than vpgatherdd,
    /// which measured slower on Zen and is far slower on Intel parts with the GDS microcode fix.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<float> Halves8(byte* p, int stride) => HalfToSingle(Gather8(p, stride));

    /// <summary>
    /// Two f16 values per lane, at p + l·stride (first) and 2 bytes further (second), as <see cref="Halves8"/>
    /// from one load per lane: the d and m of Q4_1 and Q5_1 blocks.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void HalfPairs8(byte* p, int stride, out Vector256<float> first, out Vector256<float> second)
    {
        var h = Gather8(p, stride);
        first = HalfToSingle(h);
        second = HalfToSingle(Vector256.ShiftRightLogical(h, 16));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<int> Gather8(byte* p, int stride) =>
        Vector256.Create(*(int*)p, *(int*)(p + stride), *(int*)(p + 2 * stride), *(int*)(p + 3 * stride),
            *(int*)(p + 4 * stride), *(int*)(p + 5 * stride), *(int*)(p + 6 * stride), *(int*)(p + 7 * stride));

    /// <summary>The f16 values in the low 16 bits of each lane, widened to f32 exactly (upper bits ignored).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> HalfToSingle(Vector256<int> h)
    {
        var magnitude = h & Vector256.Create(0x7FFF);
        var f = Vector256.ShiftLeft(magnitude, 13).AsSingle() * Vector256.Create(5.192297e33f); // 2^112
        var special = Vector256.GreaterThanOrEqual(magnitude, Vector256.Create(0x7C00)).AsSingle();
        f = Vector256.ConditionalSelect(special, (Vector256.ShiftLeft(magnitude, 13) | Vector256.Create(0x7F800000)).AsSingle(), f);
        return (f.AsInt32() | Vector256.ShiftLeft(h & Vector256.Create(0x8000), 16)).AsSingle();
    }

    /// <summary>f16 bits at p widened to f32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe float Half(byte* p) => Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(HalfTable), *(ushort*)p);

    // f16 -> f32 for every bit pattern (256 KiB): .NET's Half conversion is a software routine,
    // several times slower per block than one indexed load (ggml keeps the same table on CPUs without F16C).
    private static readonly float[] HalfTable = BuildHalfTable();

    private static float[] BuildHalfTable()
    {
        var table = new float[65536];
        for (int i = 0; i < table.Length; i++)
            table[i] = (float)BitConverter.UInt16BitsToHalf((ushort)i);
        return table;
    }
}
