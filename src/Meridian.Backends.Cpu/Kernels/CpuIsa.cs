// The instruction sets the CPU kernels use. Each flag is an expression over the runtime's
// IsSupported intrinsics, which the JIT treats as constants: every kernel compiles to one path,
// even when it is jitted before this class is initialised (a static readonly would not fold then).
using System.Runtime.Intrinsics.X86;

namespace Meridian.Backends.Cpu.Kernels;

/// <summary>Which integer dot path the CPU kernels take on this machine.</summary>
internal static class CpuIsa
{
    /// <summary>AVX2 with FMA: 256-bit integer and float paths.</summary>
    public static bool Avx2 => System.Runtime.Intrinsics.X86.Avx2.IsSupported && Fma.IsSupported;

    /// <summary>AVX-VNNI (vpdpbusd on 256-bit registers): one instruction per 32 int8 products.</summary>
    public static bool AvxVnni => Avx2 && System.Runtime.Intrinsics.X86.AvxVnni.IsSupported;
}
