// The `bench model` table: the machine and its memory bandwidth, one line per engine × type × threads × test
// (tg lines with GB/s and that as a share of the bandwidth), then the ratios.
using System.Globalization;

namespace Meridian.Bench.Model;

internal static class ModelBenchTable
{
    public static void Write(TextWriter output, ModelBenchReport report)
    {
        // One header line (machine, bandwidth, then the run's settings), so tools reading the table keep its layout.
        output.WriteLine($"{Header(report.Machine)}; KV cache {report.KvType}; Meridian through LlmEngine, as `serve` runs");
        output.WriteLine();
        output.WriteLine($"| {"engine",-9} | {"model",-16} | {"type",-6} | {"threads",7} | {"test",-7} | {"t/s",18} | {"GB/s",6} | {"% mem bw",8} |");
        output.WriteLine("|-----------|------------------|--------|---------|---------|--------------------|--------|----------|");
        foreach (var r in report.Results)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Engine,-9} | {r.Model,-16} | {r.Type,-6} | {r.Threads,7} | {r.Test,-7} | {r.TokensPerSecond,9:F2} ± {r.Stddev,6:F2} | {Fixed(r.GbPerS, "F2"),6} | {Percent(r.BandwidthFraction),8} |"));
        if (report.Weights.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("| model            | type   | weights GB | read per tg token GB | what a token reads |");
            output.WriteLine("|------------------|--------|------------|----------------------|--------------------|");
            foreach (var w in report.Weights)
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {w.Model,-16} | {w.Type,-6} | {w.Bytes / 1e9,10:F2} | {w.BytesPerToken / 1e9,20:F2} | {w.Note} |"));
        }
        if (report.Ratios.Count == 0)
            return;
        output.WriteLine();
        output.WriteLine("| type   | threads | test    | meridian / llama.cpp |");
        output.WriteLine("|--------|---------|---------|----------------------|");
        foreach (var r in report.Ratios)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {r.Type,-6} | {r.Threads,7} | {r.Test,-7} | {r.MeridianOverLlamacpp,20:F2} |"));
    }

    /// <summary>One line: CPU, cores, ISA, runtime, and the memory read bandwidth when measured.</summary>
    public static string Header(MachineInfo m)
    {
        string line = $"{m.Cpu}, {m.Cores} logical cores ({m.Isa}), {m.Runtime}";
        if (m.MemoryBandwidthGbPerS is { } bw)
            line += string.Create(CultureInfo.InvariantCulture, $"; memory read {bw:F1} GB/s ({m.MemoryBandwidthThreads} threads)");
        return line;
    }

    public static string Percent(double? fraction) => Fixed(fraction * 100, "F1") is { Length: > 0 } p ? p + "%" : "";

    private static string Fixed(double? x, string format) => x is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "";
}
