// Q8_0 weights (34-byte blocks: f16 d, 32 int8 codes, w = d·q) dotted with Q8 activations on the
// blocks, as ggml's ggml_vec_dot_q8_0_q8_0 (ggml-quants.c, MIT). Signed × signed goes through the
// |w| · sign(a, w) identity so the unsigned operand of vpdpbusd / vpmaddubsw stays <= 127.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Meridian.Backends.Cpu.Kernels;

internal unsafe struct Q8_0Kernel : IMatMulKernel
{
    private const int BlockBytes = 34;

    public static ActFormat Activations => ActFormat.Q8;

    public static void Run(byte* w, long rowBytes, int r0, int r1, QuantizedActivations x, int t0, int t1, float* y, int ldy)
    {
        int nb = x.K / 32;
        int r = r0;
        if (CpuIsa.Avx2)
        {
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

    internal static float DotAvx2(byte* row, int nb, QuantizedActivations x, int t)
    {
        sbyte* a = x.Qs + (long)t * x.K;
        float* da = x.D + (long)t * nb;
        var acc = Vector256<float>.Zero;
        for (int b = 0; b < nb; b++)
        {
            byte* block = row + b * BlockBytes;
            var dot = IntDot.DotS(Vector256<int>.Zero, Vector256.Load((sbyte*)block + 2), Vector256.Load(a + b * 32));
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
        Vector256<float> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector256<float> c10 = default, c11 = default, c12 = default, c13 = default;
        for (int b = 0; b < nb; b++)
        {
            byte* blk0 = row0 + b * BlockBytes, blk1 = row1 + b * BlockBytes;
            var w0 = Vector256.Load((sbyte*)blk0 + 2);
            var w1 = Vector256.Load((sbyte*)blk1 + 2);
            float dw0 = IntDot.Half(blk0), dw1 = IntDot.Half(blk1);
            int o = b * 32;
            Step(w0, w1, dw0, dw1, a0 + o, d0[b], ref c00, ref c10);
            Step(w0, w1, dw0, dw1, a1 + o, d1[b], ref c01, ref c11);
            Step(w0, w1, dw0, dw1, a2 + o, d2[b], ref c02, ref c12);
            Step(w0, w1, dw0, dw1, a3 + o, d3[b], ref c03, ref c13);
        }
        y[0] = Vector256.Sum(c00); y[1] = Vector256.Sum(c10);
        y[ldy] = Vector256.Sum(c01); y[ldy + 1] = Vector256.Sum(c11);
        y[2 * ldy] = Vector256.Sum(c02); y[2 * ldy + 1] = Vector256.Sum(c12);
        y[3 * ldy] = Vector256.Sum(c03); y[3 * ldy + 1] = Vector256.Sum(c13);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step(Vector256<sbyte> w0, Vector256<sbyte> w1, float dw0, float dw1, sbyte* a, float da,
        ref Vector256<float> c0, ref Vector256<float> c1)
    {
        var av = Vector256.Load(a);
        c0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(IntDot.DotS(Vector256<int>.Zero, w0, av)), Vector256.Create(dw0 * da), c0);
        c1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(IntDot.DotS(Vector256<int>.Zero, w1, av)), Vector256.Create(dw1 * da), c1);
    }

    internal static float DotVector128(byte* row, int nb, QuantizedActivations x, int t)
    {
        sbyte* a = x.Qs + (long)t * x.K;
        float* da = x.D + (long)t * nb;
        float sum = 0f;
        for (int b = 0; b < nb; b++)
        {
            sbyte* q = (sbyte*)row + b * BlockBytes + 2;
            int dot = IntDot.Dot32(Vector128.Load(q), Vector128.Load(q + 16), Vector128.Load(a + b * 32), Vector128.Load(a + b * 32 + 16));
            sum += IntDot.Half(row + b * BlockBytes) * da[b] * dot;
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
            sbyte* q = (sbyte*)row + b * BlockBytes + 2;
            int dot = 0;
            for (int j = 0; j < 32; j++)
                dot += q[j] * a[b * 32 + j];
            sum += IntDot.Half(row + b * BlockBytes) * da[b] * dot;
        }
        return sum;
    }
}
