// Which block kernel serves which weight dtype. One switch for the activation format and one for
// the call, so adding a type is two lines here plus its kernel file.
using Meridian.Core.Tensors;

namespace Meridian.Backends.Cpu.Kernels;

internal static unsafe class MatMulKernels
{
    /// <summary>The activation format <paramref name="type"/>'s kernel reads, or null when no kernel serves it (row decode fallback).</summary>
    public static ActFormat? ActivationsFor(DType type, int k) => type switch
    {
        DType.Q4_0 => Q4_0Kernel.Activations,
        DType.Q8_0 => Q8_0Kernel.Activations,
        _ => null,
    };

    /// <summary>Runs the kernel for <paramref name="type"/> over rows [r0, r1) and tokens [t0, t1); false when there is none.</summary>
    public static bool Run(DType type, byte* w, long rowBytes, int r0, int r1, QuantizedActivations x, int t0, int t1, float* y, int ldy)
    {
        switch (type)
        {
            case DType.Q4_0: Q4_0Kernel.Run(w, rowBytes, r0, r1, x, t0, t1, y, ldy); return true;
            case DType.Q8_0: Q8_0Kernel.Run(w, rowBytes, r0, r1, x, t0, t1, y, ldy); return true;
            default: return false;
        }
    }
}
