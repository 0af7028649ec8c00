// The per-row vector arithmetic of PagedAttentionJob: dot products of a query head with keys and weighted
// sums of value rows, all in fused multiply-adds in a fixed order. Dot4 and Dot4x2 are bit for bit Dot calls,
// Axpy4 and AxpyRun2 Axpy1 calls, so a row's result never depends on how positions or heads are grouped (the
// paged job's batch invariance relies on it). The two-head forms load each key or value vector once for two
// query heads of a KV head, and every horizontal sum is Sum's own fixed order, so Dot4x2 can reduce its eight
// sums with one shuffle network (Sum8): on TinyLlama pp512 the per-score Vector.Sum, not the multiply-adds,
// was the larger part of the score cost.
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Meridian.Backends.Cpu;

internal static unsafe class AttentionMath
{
    /// <summary>s[j] = scale · (q · k_j) for the four rows k_j = k + j·stride, each bit for bit <see cref="Dot"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Dot4(float* q, float* k, int stride, int dh, float scale, float* s)
    {
        float* k1 = k + stride, k2 = k1 + stride, k3 = k2 + stride;
        var a0 = Vector<float>.Zero;
        var a1 = Vector<float>.Zero;
        var a2 = Vector<float>.Zero;
        var a3 = Vector<float>.Zero;
        int c = 0;
        for (; c + Vector<float>.Count <= dh; c += Vector<float>.Count)
        {
            var qv = Vector.Load(q + c);
            a0 = Vector.FusedMultiplyAdd(qv, Vector.Load(k + c), a0);
            a1 = Vector.FusedMultiplyAdd(qv, Vector.Load(k1 + c), a1);
            a2 = Vector.FusedMultiplyAdd(qv, Vector.Load(k2 + c), a2);
            a3 = Vector.FusedMultiplyAdd(qv, Vector.Load(k3 + c), a3);
        }
        float s0 = Sum(a0), s1 = Sum(a1), s2 = Sum(a2), s3 = Sum(a3);
        for (; c < dh; c++)
        {
            s0 = MathF.FusedMultiplyAdd(q[c], k[c], s0);
            s1 = MathF.FusedMultiplyAdd(q[c], k1[c], s1);
            s2 = MathF.FusedMultiplyAdd(q[c], k2[c], s2);
            s3 = MathF.FusedMultiplyAdd(q[c], k3[c], s3);
        }
        s[0] = s0 * scale;
        s[1] = s1 * scale;
        s[2] = s2 * scale;
        s[3] = s3 * scale;
    }

    /// <summary>
    /// Dot4 for two query heads q0, q1 against the same four keys, loading each key vector once:
    /// s0[j] = scale · (q0 · k_j), s1[j] = scale · (q1 · k_j), each bit for bit <see cref="Dot"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Dot4x2(float* q0, float* q1, float* k, int stride, int dh, float scale, float* s0, float* s1)
    {
        float* k1 = k + stride, k2 = k1 + stride, k3 = k2 + stride;
        Vector<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector<float> b0 = default, b1 = default, b2 = default, b3 = default;
        int c = 0;
        for (; c + Vector<float>.Count <= dh; c += Vector<float>.Count)
        {
            var x = Vector.Load(q0 + c);
            var y = Vector.Load(q1 + c);
            var kv = Vector.Load(k + c);
            a0 = Vector.FusedMultiplyAdd(x, kv, a0);
            b0 = Vector.FusedMultiplyAdd(y, kv, b0);
            kv = Vector.Load(k1 + c);
            a1 = Vector.FusedMultiplyAdd(x, kv, a1);
            b1 = Vector.FusedMultiplyAdd(y, kv, b1);
            kv = Vector.Load(k2 + c);
            a2 = Vector.FusedMultiplyAdd(x, kv, a2);
            b2 = Vector.FusedMultiplyAdd(y, kv, b2);
            kv = Vector.Load(k3 + c);
            a3 = Vector.FusedMultiplyAdd(x, kv, a3);
            b3 = Vector.FusedMultiplyAdd(y, kv, b3);
        }
        if (c == dh && Vector<float>.Count == 8 && Avx.IsSupported)
        {
            var sums = Sum8(a0.AsVector256(), a1.AsVector256(), a2.AsVector256(), a3.AsVector256(),
                b0.AsVector256(), b1.AsVector256(), b2.AsVector256(), b3.AsVector256()) * Vector256.Create(scale);
            sums.GetLower().Store(s0);
            sums.GetUpper().Store(s1);
            return;
        }
        float r0 = Sum(a0), r1 = Sum(a1), r2 = Sum(a2), r3 = Sum(a3);
        float t0 = Sum(b0), t1 = Sum(b1), t2 = Sum(b2), t3 = Sum(b3);
        for (; c < dh; c++)
        {
            r0 = MathF.FusedMultiplyAdd(q0[c], k[c], r0);
            r1 = MathF.FusedMultiplyAdd(q0[c], k1[c], r1);
            r2 = MathF.FusedMultiplyAdd(q0[c], k2[c], r2);
            r3 = MathF.FusedMultiplyAdd(q0[c], k3[c], r3);
            t0 = MathF.FusedMultiplyAdd(q1[c], k[c], t0);
            t1 = MathF.FusedMultiplyAdd(q1[c], k1[c], t1);
            t2 = MathF.FusedMultiplyAdd(q1[c], k2[c], t2);
            t3 = MathF.FusedMultiplyAdd(q1[c], k3[c], t3);
        }
        s0[0] = r0 * scale;
        s0[1] = r1 * scale;
        s0[2] = r2 * scale;
        s0[3] = r3 * scale;
        s1[0] = t0 * scale;
        s1[1] = t1 * scale;
        s1[2] = t2 * scale;
        s1[3] = t3 * scale;
    }

    /// <summary>q · k: lanes of fused multiply-adds, their sum, then the tail in order. q, k: [Dh] f32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Dot(float* q, float* k, int dh)
    {
        var a = Vector<float>.Zero;
        int c = 0;
        for (; c + Vector<float>.Count <= dh; c += Vector<float>.Count)
            a = Vector.FusedMultiplyAdd(Vector.Load(q + c), Vector.Load(k + c), a);
        float s = Sum(a);
        for (; c < dh; c++)
            s = MathF.FusedMultiplyAdd(q[c], k[c], s);
        return s;
    }

    /// <summary>o += w[j] · v_j for the four rows v_j = v + j·stride, in order: bit for bit four <see cref="Axpy1"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Axpy4(float* w, float* v, int stride, int dh, float* o)
    {
        float* v1 = v + stride, v2 = v1 + stride, v3 = v2 + stride;
        float w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3];
        var b0 = new Vector<float>(w0);
        var b1 = new Vector<float>(w1);
        var b2 = new Vector<float>(w2);
        var b3 = new Vector<float>(w3);
        int c = 0;
        for (; c + Vector<float>.Count <= dh; c += Vector<float>.Count)
        {
            var acc = Vector.Load(o + c);
            acc = Vector.FusedMultiplyAdd(b0, Vector.Load(v + c), acc);
            acc = Vector.FusedMultiplyAdd(b1, Vector.Load(v1 + c), acc);
            acc = Vector.FusedMultiplyAdd(b2, Vector.Load(v2 + c), acc);
            acc = Vector.FusedMultiplyAdd(b3, Vector.Load(v3 + c), acc);
            acc.Store(o + c);
        }
        for (; c < dh; c++)
        {
            float acc = o[c];
            acc = MathF.FusedMultiplyAdd(w0, v[c], acc);
            acc = MathF.FusedMultiplyAdd(w1, v1[c], acc);
            acc = MathF.FusedMultiplyAdd(w2, v2[c], acc);
            acc = MathF.FusedMultiplyAdd(w3, v3[c], acc);
            o[c] = acc;
        }
    }

    /// <summary>
    /// o0 += Σ_j w0[j] · v_j and o1 += Σ_j w1[j] · v_j over the rows v_j = v + j·stride, j in [0, count), in order:
    /// per head bit for bit <paramref name="count"/> <see cref="Axpy1"/> calls. The outputs stay in registers
    /// over the whole run, 32 columns of both heads at a time, so each value vector is loaded once for both heads
    /// and the outputs are loaded and stored once per run instead of once per position.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void AxpyRun2(float* w0, float* w1, float* v, int stride, int count, int dh, float* o0, float* o1)
    {
        int n = Vector<float>.Count, c = 0;
        for (; c + 4 * n <= dh; c += 4 * n)
        {
            var x0 = Vector.Load(o0 + c);
            var x1 = Vector.Load(o0 + c + n);
            var x2 = Vector.Load(o0 + c + 2 * n);
            var x3 = Vector.Load(o0 + c + 3 * n);
            var y0 = Vector.Load(o1 + c);
            var y1 = Vector.Load(o1 + c + n);
            var y2 = Vector.Load(o1 + c + 2 * n);
            var y3 = Vector.Load(o1 + c + 3 * n);
            float* r = v + c;
            for (int j = 0; j < count; j++, r += stride)
            {
                var a = new Vector<float>(w0[j]);
                var b = new Vector<float>(w1[j]);
                var v0 = Vector.Load(r);
                var v1 = Vector.Load(r + n);
                var v2 = Vector.Load(r + 2 * n);
                var v3 = Vector.Load(r + 3 * n);
                x0 = Vector.FusedMultiplyAdd(a, v0, x0);
                x1 = Vector.FusedMultiplyAdd(a, v1, x1);
                x2 = Vector.FusedMultiplyAdd(a, v2, x2);
                x3 = Vector.FusedMultiplyAdd(a, v3, x3);
                y0 = Vector.FusedMultiplyAdd(b, v0, y0);
                y1 = Vector.FusedMultiplyAdd(b, v1, y1);
                y2 = Vector.FusedMultiplyAdd(b, v2, y2);
                y3 = Vector.FusedMultiplyAdd(b, v3, y3);
            }
            x0.Store(o0 + c);
            x1.Store(o0 + c + n);
            x2.Store(o0 + c + 2 * n);
            x3.Store(o0 + c + 3 * n);
            y0.Store(o1 + c);
            y1.Store(o1 + c + n);
            y2.Store(o1 + c + 2 * n);
            y3.Store(o1 + c + 3 * n);
        }
        for (; c + n <= dh; c += n)
        {
            var x = Vector.Load(o0 + c);
            var y = Vector.Load(o1 + c);
            for (int j = 0; j < count; j++)
            {
                var vj = Vector.Load(v + (long)j * stride + c);
                x = Vector.FusedMultiplyAdd(new Vector<float>(w0[j]), vj, x);
                y = Vector.FusedMultiplyAdd(new Vector<float>(w1[j]), vj, y);
            }
            x.Store(o0 + c);
            y.Store(o1 + c);
        }
        for (; c < dh; c++)
        {
            float x = o0[c], y = o1[c];
            for (int j = 0; j < count; j++)
            {
                x = MathF.FusedMultiplyAdd(w0[j], v[(long)j * stride + c], x);
                y = MathF.FusedMultiplyAdd(w1[j], v[(long)j * stride + c], y);
            }
            o0[c] = x;
            o1[c] = y;
        }
    }

    /// <summary>o += w · v. v, o: [Dh] f32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Axpy1(float w, float* v, int dh, float* o)
    {
        var b = new Vector<float>(w);
        int c = 0;
        for (; c + Vector<float>.Count <= dh; c += Vector<float>.Count)
            Vector.FusedMultiplyAdd(b, Vector.Load(v + c), Vector.Load(o + c)).Store(o + c);
        for (; c < dh; c++)
            o[c] = MathF.FusedMultiplyAdd(w, v[c], o[c]);
    }

    /// <summary>
    /// The lanes of <paramref name="a"/> summed in one fixed order whatever the vector width: the halves added
    /// down to four lanes x, then (x0 + x2) + (x1 + x3). Every score's horizontal sum is this, alone or
    /// through <see cref="Sum8"/>, which adds in the same order (Vector.Sum leaves its order to the JIT).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Sum(Vector<float> a)
    {
        Vector128<float> x;
        if (Vector<float>.Count == 4)
        {
            x = a.AsVector128();
        }
        else if (Vector<float>.Count == 8)
        {
            var w = a.AsVector256();
            x = w.GetLower() + w.GetUpper();
        }
        else
        {
            var z = a.AsVector512();
            var w = z.GetLower() + z.GetUpper();
            x = w.GetLower() + w.GetUpper();
        }
        var t = x + Vector128.Shuffle(x, Vector128.Create(2, 3, 0, 1));
        return t.ToScalar() + t.GetElement(1);
    }

    /// <summary>
    /// [Sum(a0), ..., Sum(a7)] for 8-lane vectors, each bit for bit <see cref="Sum"/>, with a transposing
    /// shuffle network instead of eight separate reductions. Requires AVX.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Sum8(Vector256<float> a0, Vector256<float> a1, Vector256<float> a2, Vector256<float> a3,
        Vector256<float> a4, Vector256<float> a5, Vector256<float> a6, Vector256<float> a7)
    {
        // x_j = lower + upper half of a_j, paired in 128-bit lanes: [x0 | x4], [x1 | x5], [x2 | x6], [x3 | x7].
        var x04 = Avx.Permute2x128(a0, a4, 0x20) + Avx.Permute2x128(a0, a4, 0x31);
        var x15 = Avx.Permute2x128(a1, a5, 0x20) + Avx.Permute2x128(a1, a5, 0x31);
        var x26 = Avx.Permute2x128(a2, a6, 0x20) + Avx.Permute2x128(a2, a6, 0x31);
        var x37 = Avx.Permute2x128(a3, a7, 0x20) + Avx.Permute2x128(a3, a7, 0x31);
        // Per 128-bit lane: p = [x0_0 + x0_2, x1_0 + x1_2, x0_1 + x0_3, x1_1 + x1_3], q likewise for x2, x3.
        var p = Avx.UnpackLow(x04, x15) + Avx.UnpackHigh(x04, x15);
        var q = Avx.UnpackLow(x26, x37) + Avx.UnpackHigh(x26, x37);
        // [p0, p1, q0, q1] + [p2, p3, q2, q3]: (x_j0 + x_j2) + (x_j1 + x_j3) for j = 0..3 (4..7 in the upper lane).
        return Avx.Shuffle(p, q, 0b01_00_01_00) + Avx.Shuffle(p, q, 0b11_10_11_10);
    }
}
