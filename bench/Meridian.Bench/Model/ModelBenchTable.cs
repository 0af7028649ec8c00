// The `bench model` table: one line per engine × type × threads × test, then the ratios.
using System.Globalization;

namespace Meridian.Bench.Model;

internal static class ModelBenchTable
{
    public static void Write(TextWriter output, ModelBenchReport report)
    {
        var m = report.Machine;
        output.WriteLine($"{m.Cpu}, {m.Cores} logical cores, {m.Runtime}");
        output.WriteLine();
        output.WriteLine($"| {"engine",-9} | {"model",-16} | {"type",-6} | {"threads",7} | {"test",-7} | {"t/s",18} | {"GB/s",6} |");
        output.WriteLine("|-----------|------------------|--------|---------|---------|--------------------|--------|");
        foreach (var r in report.Results)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Engine,-9} | {r.Model,-16} | {r.Type,-6} | {r.Threads,7} | {r.Test,-7} | {r.TokensPerSecond,9:F2} ± {r.Stddev,6:F2} | {(r.GbPerS is { } g ? g.ToString("F2", CultureInfo.InvariantCulture) : ""),6} |"));
        if (report.Ratios.Count == 0)
            return;
        output.WriteLine();
        output.WriteLine("| type   | threads | test    | meridian / llama.cpp |");
        output.WriteLine("|--------|---------|---------|----------------------|");
        foreach (var r in report.Ratios)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {r.Type,-6} | {r.Threads,7} | {r.Test,-7} | {r.MeridianOverLlamacpp,20:F2} |"));
    }
}
