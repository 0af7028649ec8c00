// What the numbers were measured on: CPU model (from /proc/cpuinfo where there is one), logical cores, OS, runtime.
using System.Runtime.InteropServices;

namespace Meridian.Bench;

internal sealed record MachineInfo(string Cpu, int Cores, string Os, string Runtime)
{
    public static MachineInfo Current() =>
        new(CpuName(), Environment.ProcessorCount, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription);

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
