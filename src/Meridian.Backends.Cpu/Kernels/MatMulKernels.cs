// Which kernel serves which weight dtype: block-quantized types go through GroupKernel with their
// decoder. Adding a type is one line in each switch plus its decoder file.
using Meridian.Core.Tensors;

namespace Meridian.Backends.Cpu.Kernels;

internal static unsafe class MatMulKernels
{
    /// <summary>Per-worker scratch bytes a call with rows of K weights needs: two rows decoded for GroupKernel.</summary>
    public static long ScratchBytes(int k) => 2L * ((k + QuantizedActivations.GroupSize - 1) / QuantizedActivations.GroupSize) * GroupKernel<Q4_0Decoder>.DecodedBytes;

    /// <summary>The activation format <paramref name="type"/>'s kernel reads, or null when no kernel serves it (row decode fallback).</summary>
    public static ActFormat? ActivationsFor(DType type, int k) => type switch
    {
        DType.Q4_0 or DType.Q4_1 or DType.Q5_0 or DType.Q5_1 or DType.Q8_0 or DType.IQ4_NL when k % 32 == 0 => ActFormat.Q8,
        DType.Q4_K or DType.Q5_K or DType.Q6_K when k % 256 == 0 => ActFormat.Q8,
        _ => null,
    };

    /// <summary>Runs the kernel for <paramref name="type"/> weights in the packed layout (WeightPacking); false when it has none.</summary>
    public static bool RunPacked(DType type, byte* w, long rowBytes, int r0, int r1, QuantizedActivations x, int t0, int t1, float* y, int ldy, byte* scratch)
    {
        switch (type)
        {
            case DType.Q4_0: GroupKernel<Q4_0PackedDecoder>.Run(w, rowBytes, r0, r1, x, t0, t1, y, ldy, scratch); return true;
            case DType.Q8_0: GroupKernel<Q8_0PackedDecoder>.Run(w, rowBytes, r0, r1, x, t0, t1, y, ldy, scratch); return true;
            case DType.Q4_K: GroupKernel<Q4_KPackedDecoder>.Run(w, rowBytes, r0, r1, x, t0, t1, y, ldy, scratch); return true;
            case DType.Q6_K: GroupKernel<Q6_KPackedDecoder>.Run(w, rowBytes, r0, r1, x, t0, t1, y, ldy, scratch); return true;
            default: return false;
        }
    }

    /// <summary>Runs the kernel for <paramref name="type"/> over rows [r0, r1) and tokens [t0, t1); false when there is none.</summary>
    public static bool Run(DType type, byte* w, long rowBytes, int r0, int r1, QuantizedActivations x, int t0, int t1, float* y, int ldy, byte* scratch)
    {
        switch (type)
        {
            case DType.Q4_0: GroupKernel<Q4_0Decoder>.Run(w, rowBytes, r0, r1, x, t0, t1, y, ldy, scratch); return true;
            case DType.Q4_1: GroupKernel<Q4_1Decoder>.Run(w, rowBytes, r0, r1, x, t0, t1, y, ldy, scratch); return true;
            case DType.Q5_0: GroupKernel<Q5_0Decoder>.Run(w, rowBytes, r0, r1, x, t0, t1, y, ldy, scratch); return true;
            case DType.Q5_1: GroupKernel<Q5_1Decoder>.Run(w, rowBytes, r0, r1, x, t0, t1, y, ldy, scratch); return true;
            case DType.Q8_0: GroupKernel<Q8_0Decoder>.Run(w, rowBytes, r0, r1, x, t0, t1, y, ldy, scratch); return true;
            case DType.IQ4_NL: GroupKernel<IQ4_NLDecoder>.Run(w, rowBytes, r0, r1, x, t0, t1, y, ldy, scratch); return true;
            case DType.Q4_K: GroupKernel<Q4_KDecoder>.Run(w, rowBytes, r0, r1, x, t0, t1, y, ldy, scratch); return true;
            case DType.Q5_K: GroupKernel<Q5_KDecoder>.Run(w, rowBytes, r0, r1, x, t0, t1, y, ldy, scratch); return true;
            case DType.Q6_K: GroupKernel<Q6_KDecoder>.Run(w, rowBytes, r0, r1, x, t0, t1, y, ldy, scratch); return true;
            default: return false;
        }
    }
}
