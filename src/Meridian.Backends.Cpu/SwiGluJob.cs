// SwiGLU (Shazeer 2020, https://arxiv.org/abs/2002.05202; ReferenceOps.SwiGluReference is the oracle):
// dst = silu(gate) · up = gate / (1 + e^-gate) · up in one pass, with the runtime's vector exp.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Meridian.Backends.Cpu;

/// <summary>dst = silu(gate) · up over rows of C; a job over rows so long prompts split over the pool.</summary>
internal sealed unsafe class SwiGluJob : IParallelJob
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
        VectorLoop.Binary(default(SwiGluOp), _gate + offset, _up + offset, _dst + offset, (end - start) * _c);
    }

    private readonly struct SwiGluOp : IBinaryOp
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
}
