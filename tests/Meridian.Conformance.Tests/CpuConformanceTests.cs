// The CPU backend passes the conformance kit: the definition of a correct backend (issue 14's "done when").
using Meridian.Backends.Cpu;
using Meridian.Conformance.Reports;
using Xunit.Abstractions;

namespace Meridian.Conformance.Tests;

public sealed class CpuConformanceTests(ITestOutputHelper output)
{
    [Fact]
    public void Cpu_OpLevel_PassesEveryCase()
    {
        using var cpu = new CpuDevice(threads: 2);
        var report = ConformanceKit.Run(cpu, new ConformanceOptions { Models = false });
        output.WriteLine($"{report.Summary.Cases} cases in {report.Seconds:F1} s");
        var failed = report.Cases.Where(c => c.Status == CaseStatus.Fail).Select(c => $"{c}: {c.Message}").ToList();
        Assert.True(failed.Count == 0, string.Join("\n", failed));
        // The pairs a model runs on are all claimed and checked.
        foreach (var (op, dtype) in new[] { ("matmul", "q4_0"), ("matmul", "q4_K"), ("matmul", "f16"), ("paged_attention", "f16"), ("scatter_rows", "f16"), ("argmax", "f32") })
            Assert.Contains(report.Support, s => s.Op == op && s.DType == dtype && s.Status == SupportStatus.Pass);
        Assert.DoesNotContain(report.Support, s => s.Status is SupportStatus.Fail or SupportStatus.NotRun);
    }
}
