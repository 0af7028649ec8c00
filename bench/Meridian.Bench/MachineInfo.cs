// What the numbers were measured on: CPU model (from /proc/cpuinfo where there is one), logical cores, the
// SIMD extensions .NET reports (System.Runtime.Intrinsics *.IsSupported, so what the JIT may use), OS,
// runtime, and for `bench model` the memory read bandwidth measured in the same run (MemoryBandwidth).
using System.Runtime.InteropServices;
using System.Text.Json.Serialization;
using Arm = System.Runtime.Intrinsics.Arm;
using X86 = System.Runtime.Intrinsics.X86;

namespace Meridian.Bench;

internal sealed record MachineInfo(string Cpu, int Cores, string Isa, string Os, string Runtime)
{
    /// <summary>GB/s (1e9 bytes) of the best pass of MemoryBandwidth; only `bench model` measures it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? MemoryBandwidthGbPerS { get; init; }

    /// <summary>Threads the bandwidth was measured with.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? MemoryBandwidthThreads { get; init; }

    public static MachineInfo Current() =>
        new(CpuName(), Environment.ProcessorCount, InstructionSets(), RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription);

    /// <summary>Space-separated lower-case names as in /proc/cpuinfo flags (avx-vnni spelled as Intel does).</summary>
    public static string InstructionSets()
    {
        var isa = new List<string>();
        void Add(bool supported, string name)
        {
            if (supported)
                isa.Add(name);
        }
        Add(X86.Sse42.IsSupported, "sse4.2");
        Add(X86.Avx.IsSupported, "avx");
        Add(X86.Avx2.IsSupported, "avx2");
        Add(X86.Fma.IsSupported, "fma");
        Add(X86.Bmi2.IsSupported, "bmi2");
        Add(X86.AvxVnni.IsSupported, "avx-vnni");
        Add(X86.Avx512F.IsSupported, "avx512f");
        Add(X86.Avx512BW.IsSupported, "avx512bw");
        Add(X86.Avx512CD.IsSupported, "avx512cd");
        Add(X86.Avx512DQ.IsSupported, "avx512dq");
        Add(X86.Avx512F.VL.IsSupported, "avx512vl");
        Add(X86.Avx512Vbmi.IsSupported, "avx512vbmi");
        Add(X86.Avx10v1.IsSupported, "avx10.1");
        Add(X86.Avx10v2.IsSupported, "avx10.2");
        Add(Arm.AdvSimd.IsSupported, "neon");
        Add(Arm.Dp.IsSupported, "dotprod");
        Add(Arm.Rdm.IsSupported, "rdm");
        return isa.Count > 0 ? string.Join(' ', isa) : "none";
    }

    private static string CpuName()
    {
        const string cpuinfo = "/proc/cpuinfo";
        try
        {
            if (File.Exists(cpuinfo))
                foreach (string line in File.ReadLines(cpuinfo))
                    if (line.StartsWith("model name", StringComparison.Ordinal) && line.IndexOf(':') is int colon and > 0)
                        return line[(colon + 1)..].Trim();
        }
        catch (IOException)
        {
        }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }
}
