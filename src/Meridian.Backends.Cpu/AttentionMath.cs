// The per-row vector arithmetic of PagedAttentionJob: dot products of a query head with keys and weighted
// sums of value rows, all in fused multiply-adds in a fixed order. Dot4 is bit for bit four Dot calls and
// Axpy4 four Axpy1 calls, so a row's result never depends on how positions are grouped (the paged job's
// batch invariance relies on it).
using System.Numerics;
using System.Runtime.CompilerServices;

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
        float s0 = Vector.Sum(a0), s1 = Vector.Sum(a1), s2 = Vector.Sum(a2), s3 = Vector.Sum(a3);
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

    /// <summary>q · k: lanes of fused multiply-adds, their sum, then the tail in order. q, k: [Dh] f32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Dot(float* q, float* k, int dh)
    {
        var a = Vector<float>.Zero;
        int c = 0;
        for (; c + Vector<float>.Count <= dh; c += Vector<float>.Count)
            a = Vector.FusedMultiplyAdd(Vector.Load(q + c), Vector.Load(k + c), a);
        float s = Vector.Sum(a);
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
}
