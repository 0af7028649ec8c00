// Q4_0 weights (18-byte blocks: f16 d, 16 bytes of 4-bit codes, w = d·(q - 8)) dotted with Q8
// activations directly on the blocks, as ggml's ggml_vec_dot_q4_0_q8_0 does (ggml-quants.c, MIT).
// The -8 offset is folded into the int32 accumulator's start value: Σ(q-8)·a = Σq·a - 8·Σa.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Meridian.Backends.Cpu.Kernels;

internal unsafe struct Q4_0Kernel : IMatMulKernel
{
    private const int BlockBytes = 18;

    public static ActFormat Activations => ActFormat.Q8;

    public static void Run(byte* w, long rowBytes, int r0, int r1, QuantizedActivations x, int t0, int t1, float* y, int ldy)
    {
        int nb = x.K / 32;
        int r = r0;
        if (CpuIsa.Avx2)
        {
            // 2 rows x 4 tokens per tile: each unpacked weight block serves 4 tokens, each activation block 2 rows.
            for (; r + 2 <= r1; r += 2)
            {
                int t = t0;
                for (; t + 4 <= t1; t += 4)
                    Tile2x4(w + r * rowBytes, rowBytes, nb, x, t, y + (long)t * ldy + r, ldy);
                for (; t < t1; t++)
                {
                    y[(long)t * ldy + r] = DotAvx2(w + r * rowBytes, nb, x, t);
                    y[(long)t * ldy + r + 1] = DotAvx2(w + (r + 1) * rowBytes, nb, x, t);
                }
            }
        }
        for (; r < r1; r++)
        {
            for (int t = t0; t < t1; t++)
                y[(long)t * ldy + r] = Dot(w + r * rowBytes, nb, x, t);
        }
    }

    /// <summary>One row against one token on the best path this CPU has.</summary>
    public static float Dot(byte* row, int nb, QuantizedActivations x, int t) =>
        CpuIsa.Avx2 ? DotAvx2(row, nb, x, t) : CpuIsa.Vector128Accelerated ? DotVector128(row, nb, x, t) : DotScalar(row, nb, x, t);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Unpack(byte* block)
    {
        var raw = Vector128.Load(block + 2);
        var mask = Vector128.Create((byte)0x0F);
        return Vector256.Create(raw & mask, Vector128.ShiftRightLogical(raw.AsUInt16(), 4).AsByte() & mask);
    }

    internal static float DotAvx2(byte* row, int nb, QuantizedActivations x, int t)
    {
        sbyte* a = x.Qs + (long)t * x.K;
        float* da = x.D + (long)t * nb;
        int* sa = x.Sums + (long)t * nb;
        var acc = Vector256<float>.Zero;
        for (int b = 0; b < nb; b++)
        {
            byte* block = row + b * BlockBytes;
            var dot = IntDot.DotU(Vector256.Create(-sa[b]), Unpack(block), Vector256.Load(a + b * 32));
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(dot), Vector256.Create(IntDot.Half(block) * da[b]), acc);
        }
        return Vector256.Sum(acc);
    }

    private static void Tile2x4(byte* row0, long rowBytes, int nb, QuantizedActivations x, int t, float* y, int ldy)
    {
        byte* row1 = row0 + rowBytes;
        long k = x.K;
        sbyte* a0 = x.Qs + t * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
        float* d0 = x.D + (long)t * nb, d1 = d0 + nb, d2 = d1 + nb, d3 = d2 + nb;
        int* s0 = x.Sums + (long)t * nb, s1 = s0 + nb, s2 = s1 + nb, s3 = s2 + nb;
        Vector256<float> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector256<float> c10 = default, c11 = default, c12 = default, c13 = default;
        for (int b = 0; b < nb; b++)
        {
            byte* blk0 = row0 + b * BlockBytes, blk1 = row1 + b * BlockBytes;
            var u0 = Unpack(blk0);
            var u1 = Unpack(blk1);
            float dw0 = IntDot.Half(blk0), dw1 = IntDot.Half(blk1);
            int o = b * 32;
            Step(u0, u1, dw0, dw1, a0 + o, d0[b], s0[b], ref c00, ref c10);
            Step(u0, u1, dw0, dw1, a1 + o, d1[b], s1[b], ref c01, ref c11);
            Step(u0, u1, dw0, dw1, a2 + o, d2[b], s2[b], ref c02, ref c12);
            Step(u0, u1, dw0, dw1, a3 + o, d3[b], s3[b], ref c03, ref c13);
        }
        y[0] = Vector256.Sum(c00); y[1] = Vector256.Sum(c10);
        y[ldy] = Vector256.Sum(c01); y[ldy + 1] = Vector256.Sum(c11);
        y[2 * ldy] = Vector256.Sum(c02); y[2 * ldy + 1] = Vector256.Sum(c12);
        y[3 * ldy] = Vector256.Sum(c03); y[3 * ldy + 1] = Vector256.Sum(c13);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step(Vector256<byte> u0, Vector256<byte> u1, float dw0, float dw1, sbyte* a, float da, int sa,
        ref Vector256<float> c0, ref Vector256<float> c1)
    {
        var av = Vector256.Load(a);
        var init = Vector256.Create(-sa);
        c0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(IntDot.DotU(init, u0, av)), Vector256.Create(dw0 * da), c0);
        c1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(IntDot.DotU(init, u1, av)), Vector256.Create(dw1 * da), c1);
    }

    internal static float DotVector128(byte* row, int nb, QuantizedActivations x, int t)
    {
        sbyte* a = x.Qs + (long)t * x.K;
        float* da = x.D + (long)t * nb;
        float sum = 0f;
        var mask = Vector128.Create((byte)0x0F);
        var eight = Vector128.Create((sbyte)8);
        for (int b = 0; b < nb; b++)
        {
            byte* block = row + b * BlockBytes;
            var raw = Vector128.Load(block + 2);
            var lo = (raw & mask).AsSByte() - eight;
            var hi = (Vector128.ShiftRightLogical(raw.AsUInt16(), 4).AsByte() & mask).AsSByte() - eight;
            int dot = IntDot.Dot32(lo, hi, Vector128.Load(a + b * 32), Vector128.Load(a + b * 32 + 16));
            sum += IntDot.Half(block) * da[b] * dot;
        }
        return sum;
    }

    internal static float DotScalar(byte* row, int nb, QuantizedActivations x, int t)
    {
        sbyte* a = x.Qs + (long)t * x.K;
        float* da = x.D + (long)t * nb;
        float sum = 0f;
        for (int b = 0; b < nb; b++)
        {
            byte* block = row + b * BlockBytes;
            int dot = 0;
            for (int j = 0; j < 16; j++)
                dot += ((block[2 + j] & 0x0F) - 8) * a[b * 32 + j] + ((block[2 + j] >> 4) - 8) * a[b * 32 + j + 16];
            sum += IntDot.Half(block) * da[b] * dot;
        }
        return sum;
    }
}
