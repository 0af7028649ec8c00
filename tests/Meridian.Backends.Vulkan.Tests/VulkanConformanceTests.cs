// The Vulkan device (lavapipe in CI) against the conformance kit: every (op, dtype) it claims at op level, and the
// model level on Q4_0 (each architecture) and stories260K. The whole kit (every dtype's models, about 9 minutes on
// lavapipe) runs in CI as `meridian conformance --device vulkan`, as a user runs it.
using System.Text.RegularExpressions;
using Meridian.Conformance;
using Meridian.Conformance.Reports;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;
using Xunit.Abstractions;

namespace Meridian.Backends.Vulkan.Tests;

public sealed class VulkanConformanceTests(ITestOutputHelper output)
{
    [SkippableFact]
    public void Vulkan_OpLevel_EveryClaimedCasePasses()
    {
        var device = VulkanTestDevice.Require();
        output.WriteLine($"device: {device.Name}");
        Check(ConformanceKit.Run(device, new ConformanceOptions { Models = false, Progress = output.WriteLine }));
        // Every op but contract 1.1's expert ops, which have no shaders yet (docs/architectures.md: such models run on the CPU).
        foreach (var op in BackendOps.All.Where(o => o is not (BackendOp.MoeRoute or BackendOp.MoeFeedForward)))
            Assert.True(device.Supports(op, op switch { BackendOp.MatMul or BackendOp.EmbeddingLookup => DType.Q4_0, _ => DType.F32 }), $"{op.Name()} is not claimed");
        Assert.False(device.Supports(BackendOp.MoeFeedForward, DType.Q4_0));
        Assert.True(device.SupportsVariant(BackendOp.Rope, RopeSpec.ExtendedVariant), "rope's partial rotation and attention factor are not claimed");
        Assert.False(device.SupportsVariant(BackendOp.PagedAttention, AttentionParams.SinksVariant));
        foreach (var type in new[] { DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0, DType.Q4_1, DType.Q5_0, DType.Q5_1, DType.Q4_K, DType.Q5_K, DType.Q6_K, DType.IQ4_NL })
            Assert.True(device.Supports(BackendOp.MatMul, type), $"matmul on {type.Name()} is not claimed");
    }

    [SkippableFact]
    public void Vulkan_ModelLevel_Q4_0_PassesAgainstTheReferenceDevice()
    {
        var device = VulkanTestDevice.Require();
        var report = ConformanceKit.Run(device, new ConformanceOptions { Ops = new Regex("^model$"), Types = [DType.Q4_0], Progress = output.WriteLine });
        Check(report);
        Assert.Contains(report.Cases, c => c.Level == "model" && c.Shape.StartsWith("synthetic qwen3") && c.DType == "q4_0");
    }

    private void Check(ConformanceReport report)
    {
        foreach (var s in report.Skipped)
            output.WriteLine($"skipped {s.What}: {s.Reason}");
        var failed = report.Cases.Where(c => c.Status == CaseStatus.Fail).ToList();
        Assert.True(report.Passed, string.Join("\n", failed.Select(c => $"{c.Level} {c.Op} {c.DType} {c.Shape}: {c.Message}")));
        Assert.NotEmpty(report.Cases);
    }
}
