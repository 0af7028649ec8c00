// The index of a row's largest value (ReferenceOps.ArgMaxReference is the oracle): the lowest index on ties,
// NaN never wins, a row with no number gives 0. TensorPrimitives.IndexOfMax differs on both counts (a NaN
// wins, and +0 beats an earlier -0), hence two vector passes of our own: the largest non-NaN value, then the
// first index equal to it (== treats -0 and +0 alike, as the reference's > does).
using System.Numerics;

namespace Meridian.Backends.Cpu;

internal static unsafe class ArgMaxKernel
{
    /// <summary>x: [n] f32. Returns the first i with x[i] the largest non-NaN value, or 0 when every value is NaN.</summary>
    public static int IndexOfMax(float* x, int n)
    {
        int width = Vector<float>.Count, i = 0;
        float max = float.NegativeInfinity;
        if (Vector.IsHardwareAccelerated && n >= width)
        {
            var lanes = new Vector<float>(float.NegativeInfinity);
            for (; i + width <= n; i += width)
            {
                var v = Vector.Load(x + i);
                lanes = Vector.Max(lanes, Vector.ConditionalSelect(Vector.Equals(v, v), v, new Vector<float>(float.NegativeInfinity)));
            }
            for (int l = 0; l < width; l++)
                max = lanes[l] > max ? lanes[l] : max;
        }
        for (; i < n; i++)
            max = x[i] > max ? x[i] : max; // false for NaN

        i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var target = new Vector<float>(max);
            for (; i + width <= n; i += width)
            {
                if (Vector.EqualsAny(Vector.Load(x + i), target))
                    break;
            }
        }
        for (; i < n; i++)
        {
            if (x[i] == max)
                return i;
        }
        return 0; // only NaN (or nothing): max stayed -inf and no value equals it
    }
}
