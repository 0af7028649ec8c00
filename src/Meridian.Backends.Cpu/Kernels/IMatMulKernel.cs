// The contract every weight-type matmul kernel implements; MatMulJob drives it over row ranges
// (one per worker) and token blocks (cache blocking for prefill).
namespace Meridian.Backends.Cpu.Kernels;

/// <summary>A y = x · wᵀ kernel for one weight dtype, as a struct with static members (no virtual calls).</summary>
internal unsafe interface IMatMulKernel
{
    /// <summary>The activation layout <see cref="Run"/> reads from <see cref="QuantizedActivations"/>.</summary>
    static abstract ActFormat Activations { get; }

    /// <summary>
    /// y[t · ldy + r] = dot(weight row r, activation row t) for r in [r0, r1), t in [t0, t1).
    /// w: [N, K] rows of <paramref name="rowBytes"/> bytes in the kernel's dtype; x: [T, K] in <see cref="Activations"/>.
    /// </summary>
    static abstract void Run(byte* w, long rowBytes, int r0, int r1, QuantizedActivations x, int t0, int t1, float* y, int ldy);
}
