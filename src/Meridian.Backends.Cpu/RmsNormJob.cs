// RMSNorm (Zhang & Sennrich 2019, https://arxiv.org/abs/1910.07467; ReferenceOps.RmsNormReference is
// the oracle) in two passes over each row: the sum of squares, then one fused dst = w · (scale · x).
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Meridian.Backends.Cpu;

/// <summary>Rows of x normalised into dst; a job over rows so long prompts split over the pool.</summary>
internal sealed unsafe class RmsNormJob : IParallelJob
{
    private float* _x, _w, _dst; // x, dst: [R, C] f32 (dst may be x); w: [C] f32
    private int _c;
    private float _eps;

    public void Set(float* x, float* w, float eps, float* dst, int cols)
    {
        _x = x;
        _w = w;
        _dst = dst;
        _c = cols;
        _eps = eps;
    }

    public void Run(int start, int end, int worker)
    {
        for (int r = start; r < end; r++)
            Row(_x + (long)r * _c, _w, _eps, _dst + (long)r * _c, _c);
    }

    /// <summary>One row. x, dst: [C] f32; w: [C] f32.</summary>
    public static void Row(float* x, float* w, float eps, float* dst, int c)
    {
        float ss = TensorPrimitives.SumOfSquares(new ReadOnlySpan<float>(x, c));
        float scale = 1f / MathF.Sqrt(ss / c + eps);
        VectorLoop.Binary(new ScaleMultiplyOp(scale), x, w, dst, c);
    }

    /// <summary>w · (scale · x), the reference's order of rounding.</summary>
    private readonly struct ScaleMultiplyOp(float scale) : IBinaryOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Invoke(float x, float w) => w * (scale * x);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector128<float> Invoke(Vector128<float> x, Vector128<float> w) => w * (scale * x);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<float> Invoke(Vector256<float> x, Vector256<float> w) => w * (scale * x);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Invoke(Vector512<float> x, Vector512<float> w) => w * (scale * x);
    }
}
