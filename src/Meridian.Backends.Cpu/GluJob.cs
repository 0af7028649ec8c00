// Gated linear units in one pass (and GPT-OSS's clamped SwiGLU, ReferenceOps.SwiGluOaiReference) (Shazeer 2020, https://arxiv.org/abs/2002.05202; ReferenceOps.SwiGluReference
// and GeGluReference are the oracles), with the runtime's vector exp:
//   SwiGLU: dst = silu(gate) · up = gate / (1 + e^-gate) · up
//   GeGLU:  dst = gelu(gate) · up, GELU's tanh form rewritten with tanh(u) = 2σ(2u) − 1 as x / (1 + e^(−2u)),
//           u = sqrt(2/π) · (x + 0.044715 x³), so it needs only exp (no vector tanh in the runtime).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Meridian.Backends.Cpu;

/// <summary>dst = act(gate) · up over rows of C; a job over rows so long prompts split over the pool.</summary>
internal sealed unsafe class GluJob<TOp> : IParallelJob where TOp : struct, IBinaryOp
{
    private float* _gate, _up, _dst; // [R, C] f32 each; dst may be gate or up
    private int _c;

    public void Set(float* gate, float* up, float* dst, int cols)
    {
        _gate = gate;
        _up = up;
        _dst = dst;
        _c = cols;
    }

    public void Run(int start, int end, int worker)
    {
        long offset = (long)start * _c;
        VectorLoop.Binary(default(TOp), _gate + offset, _up + offset, _dst + offset, (end - start) * _c);
    }
}

/// <summary>silu(g) · u.</summary>
internal readonly struct SwiGluOp : IBinaryOp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float g, float u) => g / (1f + MathF.Exp(-g)) * u;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Invoke(Vector128<float> g, Vector128<float> u) => g / (Vector128<float>.One + Vector128.Exp(-g)) * u;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> g, Vector256<float> u) => g / (Vector256<float>.One + Vector256.Exp(-g)) * u;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> g, Vector512<float> u) => g / (Vector512<float>.One + Vector512.Exp(-g)) * u;
}

/// <summary>gelu_tanh(g) · u = g / (1 + e^(−2u')) · u with u' = sqrt(2/π) · (g + 0.044715 g³).</summary>
internal readonly struct GeGluOp : IBinaryOp
{
    // −2 · sqrt(2/π) and −2 · sqrt(2/π) · 0.044715: the exponent is g · (A + B g²).
    private const float A = -1.5957691216057308f;
    private const float B = -0.07135481627159349f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float g, float u) => g / (1f + MathF.Exp(g * (A + B * g * g))) * u;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Invoke(Vector128<float> g, Vector128<float> u) =>
        g / (Vector128<float>.One + Vector128.Exp(g * (Vector128.Create(A) + Vector128.Create(B) * g * g))) * u;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> g, Vector256<float> u) =>
        g / (Vector256<float>.One + Vector256.Exp(g * (Vector256.Create(A) + Vector256.Create(B) * g * g))) * u;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> g, Vector512<float> u) =>
        g / (Vector512<float>.One + Vector512.Exp(g * (Vector512.Create(A) + Vector512.Create(B) * g * g))) * u;
}

/// <summary>GPT-OSS's clamped SwiGLU: g = min(gate, 7), u = clamp(up, −7, 7), g · σ(1.702 g) · (u + 1).</summary>
internal readonly struct SwiGluOaiOp : IBinaryOp
{
    private const float Alpha = Meridian.Core.Backends.ExpertSet.OaiAlpha, Limit = Meridian.Core.Backends.ExpertSet.OaiLimit;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float g, float u)
    {
        g = MathF.Min(g, Limit);
        u = Math.Clamp(u, -Limit, Limit);
        return g / (1f + MathF.Exp(-Alpha * g)) * (u + 1f);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Invoke(Vector128<float> g, Vector128<float> u)
    {
        g = Vector128.Min(g, Vector128.Create(Limit));
        u = Vector128.Clamp(u, Vector128.Create(-Limit), Vector128.Create(Limit));
        return g / (Vector128<float>.One + Vector128.Exp(g * Vector128.Create(-Alpha))) * (u + Vector128<float>.One);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> g, Vector256<float> u)
    {
        g = Vector256.Min(g, Vector256.Create(Limit));
        u = Vector256.Clamp(u, Vector256.Create(-Limit), Vector256.Create(Limit));
        return g / (Vector256<float>.One + Vector256.Exp(g * Vector256.Create(-Alpha))) * (u + Vector256<float>.One);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> g, Vector512<float> u)
    {
        g = Vector512.Min(g, Vector512.Create(Limit));
        u = Vector512.Clamp(u, Vector512.Create(-Limit), Vector512.Create(Limit));
        return g / (Vector512<float>.One + Vector512.Exp(g * Vector512.Create(-Alpha))) * (u + Vector512<float>.One);
    }
}
