// The instruction sets the CPU kernels use. Each flag is an expression over the runtime's
// IsSupported intrinsics, which the JIT treats as constants: every kernel compiles to one path,
// even when it is jitted before this class is initialised (a static readonly would not fold then).
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Meridian.Backends.Cpu.Kernels;

/// <summary>What the CPU kernels found on this machine, and which integer dot path they take.</summary>
public static class CpuIsa
{
    /// <summary>AVX2 with FMA: 256-bit integer and float paths.</summary>
    public static bool Avx2 => System.Runtime.Intrinsics.X86.Avx2.IsSupported && Fma.IsSupported;

    /// <summary>AVX-VNNI (vpdpbusd on 256-bit registers): one instruction per 32 int8 products.</summary>
    public static bool AvxVnni => Avx2 && System.Runtime.Intrinsics.X86.AvxVnni.IsSupported;

    /// <summary>AVX-512BW: 512-bit byte and word arithmetic.</summary>
    public static bool Avx512BW => Avx512F.IsSupported && System.Runtime.Intrinsics.X86.Avx512BW.IsSupported;

    /// <summary>Portable 128-bit SIMD (SSE on x64, AdvSimd on ARM64): the path for CPUs without AVX2.</summary>
    public static bool Vector128Accelerated => Vector128.IsHardwareAccelerated;

    /// <summary>The integer dot path the quantized kernels run on, e.g. "avx-vnni".</summary>
    public static string DotPath => AvxVnni ? "avx-vnni" : Avx2 ? "avx2" : Vector128Accelerated ? "vector128" : "scalar";

    /// <summary>The instruction sets found, for benchmark reports: "avx2 fma avx-vnni avx512bw ...".</summary>
    public static string Describe()
    {
        var found = new List<string>();
        if (System.Runtime.Intrinsics.X86.Avx2.IsSupported) found.Add("avx2");
        if (Fma.IsSupported) found.Add("fma");
        if (System.Runtime.Intrinsics.X86.AvxVnni.IsSupported) found.Add("avx-vnni");
        if (Avx512F.IsSupported) found.Add("avx512f");
        if (System.Runtime.Intrinsics.X86.Avx512BW.IsSupported) found.Add("avx512bw");
        if (System.Runtime.Intrinsics.X86.Avx512Vbmi.IsSupported) found.Add("avx512vbmi");
        if (System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported) found.Add("neon");
        if (System.Runtime.Intrinsics.Arm.Dp.IsSupported) found.Add("dotprod");
        if (found.Count == 0 && Vector128.IsHardwareAccelerated) found.Add("vector128");
        return string.Join(' ', found);
    }
}
