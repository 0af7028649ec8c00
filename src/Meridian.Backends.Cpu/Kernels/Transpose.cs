// Register transposes that turn 8 blocks' natural dword order into the interleaved group layout
// (lane l of output vector j = dword j of block l). Standard AVX2 unpack/permute networks.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Meridian.Backends.Cpu.Kernels;

internal static class Transpose
{
    /// <summary>8 blocks of 4 dwords (b0..b7) → x0..x3, lane l of xj = dword j of bl.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Dwords8x4(Vector128<int> b0, Vector128<int> b1, Vector128<int> b2, Vector128<int> b3,
        Vector128<int> b4, Vector128<int> b5, Vector128<int> b6, Vector128<int> b7,
        out Vector256<int> x0, out Vector256<int> x1, out Vector256<int> x2, out Vector256<int> x3)
    {
        var y0 = Vector256.Create(b0, b4);
        var y1 = Vector256.Create(b1, b5);
        var y2 = Vector256.Create(b2, b6);
        var y3 = Vector256.Create(b3, b7);
        var t0 = Avx2.UnpackLow(y0, y1).AsInt64();
        var t1 = Avx2.UnpackHigh(y0, y1).AsInt64();
        var t2 = Avx2.UnpackLow(y2, y3).AsInt64();
        var t3 = Avx2.UnpackHigh(y2, y3).AsInt64();
        x0 = Avx2.UnpackLow(t0, t2).AsInt32();
        x1 = Avx2.UnpackHigh(t0, t2).AsInt32();
        x2 = Avx2.UnpackLow(t1, t3).AsInt32();
        x3 = Avx2.UnpackHigh(t1, t3).AsInt32();
    }

    /// <summary>
    /// 8 blocks of 16 nibble bytes at src + l·stride (byte i: element i in the low nibble, element
    /// i + 16 in the high one, the Q4_0 family's packing) → c0..c7, byte 4l + c of cj = element 4j + c
    /// of block l as a value 0..15.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Nibbles(byte* src, int stride,
        out Vector256<byte> c0, out Vector256<byte> c1, out Vector256<byte> c2, out Vector256<byte> c3,
        out Vector256<byte> c4, out Vector256<byte> c5, out Vector256<byte> c6, out Vector256<byte> c7)
    {
        Dwords8x4(Vector128.Load(src).AsInt32(), Vector128.Load(src + stride).AsInt32(), Vector128.Load(src + 2 * stride).AsInt32(),
            Vector128.Load(src + 3 * stride).AsInt32(), Vector128.Load(src + 4 * stride).AsInt32(), Vector128.Load(src + 5 * stride).AsInt32(),
            Vector128.Load(src + 6 * stride).AsInt32(), Vector128.Load(src + 7 * stride).AsInt32(),
            out var x0, out var x1, out var x2, out var x3);
        // Dword j of a block holds elements 4j..4j+3 in its low nibbles and 4(j+4)..4(j+4)+3 in its high ones.
        var mask = Vector256.Create((byte)0x0F);
        c0 = x0.AsByte() & mask;
        c1 = x1.AsByte() & mask;
        c2 = x2.AsByte() & mask;
        c3 = x3.AsByte() & mask;
        c4 = Vector256.ShiftRightLogical(x0.AsUInt16(), 4).AsByte() & mask;
        c5 = Vector256.ShiftRightLogical(x1.AsUInt16(), 4).AsByte() & mask;
        c6 = Vector256.ShiftRightLogical(x2.AsUInt16(), 4).AsByte() & mask;
        c7 = Vector256.ShiftRightLogical(x3.AsUInt16(), 4).AsByte() & mask;
    }

    /// <summary>
    /// Byte 4l + c of the result = <paramref name="value"/> when bit 4j + c of lane l of bits is set, else 0:
    /// per-element flag bits of 8 blocks (Q5_0's qh) spread onto output vector j of the interleaved layout.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Bits(Vector256<int> bits, int j, byte value)
    {
        // Copy byte j/2 of each dword to its 4 bytes, then test nibble j%2's bits one per byte. With j a
        // constant at the (inlined) call site, both masks are constants.
        byte b0 = (byte)(j >> 1), b1 = (byte)(b0 + 4), b2 = (byte)(b0 + 8), b3 = (byte)(b0 + 12);
        var spread = Vector256.Create(b0, b0, b0, b0, b1, b1, b1, b1, b2, b2, b2, b2, b3, b3, b3, b3,
                                      b0, b0, b0, b0, b1, b1, b1, b1, b2, b2, b2, b2, b3, b3, b3, b3);
        var rep = Avx2.Shuffle(bits.AsByte(), spread);
        var m = Vector256.Create((j & 1) == 0 ? 0x08040201u : 0x80402010u).AsByte();
        return Vector256.Equals(rep & m, m) & Vector256.Create(value);
    }

    /// <summary>8 blocks of 32 bytes in registers (c0..c7), stored transposed by dwords to dst[j·32 + l·4].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Dwords8x8(Vector256<byte> c0, Vector256<byte> c1, Vector256<byte> c2, Vector256<byte> c3,
        Vector256<byte> c4, Vector256<byte> c5, Vector256<byte> c6, Vector256<byte> c7, byte* dst)
    {
        Dwords8x8(c0, c1, c2, c3, c4, c5, c6, c7, out var x0, out var x1, out var x2, out var x3, out var x4, out var x5, out var x6, out var x7);
        x0.Store(dst);
        x1.Store(dst + 32);
        x2.Store(dst + 64);
        x3.Store(dst + 96);
        x4.Store(dst + 128);
        x5.Store(dst + 160);
        x6.Store(dst + 192);
        x7.Store(dst + 224);
    }

    /// <summary>8 blocks of 32 bytes (c0..c7) transposed by dwords: lane l of xj = dword j of cl.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Dwords8x8(Vector256<byte> c0, Vector256<byte> c1, Vector256<byte> c2, Vector256<byte> c3,
        Vector256<byte> c4, Vector256<byte> c5, Vector256<byte> c6, Vector256<byte> c7,
        out Vector256<byte> x0, out Vector256<byte> x1, out Vector256<byte> x2, out Vector256<byte> x3,
        out Vector256<byte> x4, out Vector256<byte> x5, out Vector256<byte> x6, out Vector256<byte> x7)
    {
        var t0 = Avx2.UnpackLow(c0.AsInt32(), c1.AsInt32()).AsInt64();
        var t1 = Avx2.UnpackHigh(c0.AsInt32(), c1.AsInt32()).AsInt64();
        var t2 = Avx2.UnpackLow(c2.AsInt32(), c3.AsInt32()).AsInt64();
        var t3 = Avx2.UnpackHigh(c2.AsInt32(), c3.AsInt32()).AsInt64();
        var t4 = Avx2.UnpackLow(c4.AsInt32(), c5.AsInt32()).AsInt64();
        var t5 = Avx2.UnpackHigh(c4.AsInt32(), c5.AsInt32()).AsInt64();
        var t6 = Avx2.UnpackLow(c6.AsInt32(), c7.AsInt32()).AsInt64();
        var t7 = Avx2.UnpackHigh(c6.AsInt32(), c7.AsInt32()).AsInt64();
        var u0 = Avx2.UnpackLow(t0, t2);
        var u1 = Avx2.UnpackHigh(t0, t2);
        var u2 = Avx2.UnpackLow(t1, t3);
        var u3 = Avx2.UnpackHigh(t1, t3);
        var u4 = Avx2.UnpackLow(t4, t6);
        var u5 = Avx2.UnpackHigh(t4, t6);
        var u6 = Avx2.UnpackLow(t5, t7);
        var u7 = Avx2.UnpackHigh(t5, t7);
        x0 = Avx2.Permute2x128(u0, u4, 0x20).AsByte();
        x1 = Avx2.Permute2x128(u1, u5, 0x20).AsByte();
        x2 = Avx2.Permute2x128(u2, u6, 0x20).AsByte();
        x3 = Avx2.Permute2x128(u3, u7, 0x20).AsByte();
        x4 = Avx2.Permute2x128(u0, u4, 0x31).AsByte();
        x5 = Avx2.Permute2x128(u1, u5, 0x31).AsByte();
        x6 = Avx2.Permute2x128(u2, u6, 0x31).AsByte();
        x7 = Avx2.Permute2x128(u3, u7, 0x31).AsByte();
    }
}
