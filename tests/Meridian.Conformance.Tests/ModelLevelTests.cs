// The model level: the CPU runs stories260K (when ../shared/testdata is there) and the kit's synthetic llama,
// qwen2 and qwen3 models in every weight dtype Core can write as the reference device does, and a sequence in
// a batch of eight as alone; a matmul that changes with the batch passes the op level but fails here.
using System.Text.RegularExpressions;
using Meridian.Backends.Cpu;
using Meridian.Conformance.Reports;
using Meridian.Conformance.Tests.Broken;
using Meridian.Core.Tensors;
using Xunit.Abstractions;

namespace Meridian.Conformance.Tests;

public sealed class ModelLevelTests(ITestOutputHelper output)
{
    [Fact]
    public void Cpu_ModelLevel_MatchesTheReferenceDevice()
    {
        using var cpu = new CpuDevice(threads: 2);
        var report = ConformanceKit.Run(cpu, new ConformanceOptions { Ops = new Regex("^model$") });
        foreach (var s in report.Skipped)
            output.WriteLine($"skipped {s.What}: {s.Reason}");
        var models = report.Cases.Where(c => c.Level == "model").ToList();
        Assert.True(report.Passed, string.Join("\n", models.Where(c => c.Status == CaseStatus.Fail).Select(c => $"{c}: {c.Message}")));
        // Three checks for each architecture in each dtype Core encodes (12 with MXFP4), and f32 with an f16 KV cache.
        foreach (string arch in new[] { "llama", "qwen2", "qwen3" })
        {
            Assert.Equal(3 * 13, models.Count(c => c.Shape.StartsWith($"synthetic {arch} ")));
            Assert.Contains(models, c => c.Shape == $"synthetic {arch} kv=f16" && c.Op == "logits");
        }
        Assert.Contains(models, c => c.DType == "q4_K" && c.Op == "batch" && c.Nmse == 0);
        Assert.All(models.Where(c => c.Op == "logits"), c => Assert.True(c.Nmse <= Tolerances.ModelLogits));
        if (report.Skipped.Any(s => s.What.StartsWith("model stories260K")))
            output.WriteLine("stories260K not checked: fixture absent");
        else
            Assert.Equal(3 * 6, models.Count(c => c.Shape.StartsWith("stories260K")));
    }

    [Fact]
    public void BatchVariantMatMul_PassesOpLevel_FailsTheBatchCheck()
    {
        using var cpu = new CpuDevice(threads: 2);
        var device = new BatchVariantMatMulDevice(cpu);
        var ops = ConformanceKit.Run(device, new ConformanceOptions { Ops = new Regex("^matmul$"), Types = [DType.F32], Models = false });
        Assert.True(ops.Passed);

        var models = ConformanceKit.Run(device, new ConformanceOptions { Ops = new Regex("^model$"), Types = [DType.F32], TestDataDirectory = "/nonexistent" });
        Assert.False(models.Passed);
        var failed = models.Cases.Where(c => c.Status == CaseStatus.Fail).ToList();
        Assert.All(failed, c => Assert.Equal("batch", c.Op));
        Assert.Contains(failed, c => c.Shape == "synthetic llama kv=f32" && c.DType == "f32" && c.Message!.Contains("in a batch of 8"));
    }
}
