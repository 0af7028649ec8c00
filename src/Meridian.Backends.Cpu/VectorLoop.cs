// The one loop driver of the element-wise CPU kernels, shaped like TensorPrimitives' binary operators:
// an operator struct gives the scalar and vector forms, the driver walks Vector512, then 256, then 128
// while enough elements remain, then scalar. No overlapping last vector: dst may alias an input.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Meridian.Backends.Cpu;

/// <summary>dst[i] = op(x[i], y[i]) at every width; a struct, so the driver compiles once per operator.</summary>
internal interface IBinaryOp
{
    float Invoke(float x, float y);

    Vector128<float> Invoke(Vector128<float> x, Vector128<float> y);

    Vector256<float> Invoke(Vector256<float> x, Vector256<float> y);

    Vector512<float> Invoke(Vector512<float> x, Vector512<float> y);
}

internal static unsafe class VectorLoop
{
    /// <summary>dst[i] = op(x[i], y[i]) for i in [0, n). x, y, dst: [n] f32; dst may be x or y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Binary<TOp>(TOp op, float* x, float* y, float* dst, int n) where TOp : struct, IBinaryOp
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + Vector512<float>.Count <= n; i += Vector512<float>.Count)
                op.Invoke(Vector512.Load(x + i), Vector512.Load(y + i)).Store(dst + i);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + Vector256<float>.Count <= n; i += Vector256<float>.Count)
                op.Invoke(Vector256.Load(x + i), Vector256.Load(y + i)).Store(dst + i);
        }
        if (Vector128.IsHardwareAccelerated)
        {
            for (; i + Vector128<float>.Count <= n; i += Vector128<float>.Count)
                op.Invoke(Vector128.Load(x + i), Vector128.Load(y + i)).Store(dst + i);
        }
        for (; i < n; i++)
            dst[i] = op.Invoke(x[i], y[i]);
    }
}
