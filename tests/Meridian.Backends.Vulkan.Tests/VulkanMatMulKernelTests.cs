// Every matmul kernel family on whatever Vulkan device there is (lavapipe in CI has subgroup shuffles too), so the
// kernels a GPU would pick are checked where no GPU is: the row-per-invocation kernel (CPU implementations), the work
// group per row with 4-row tiles for batches and a shared-memory reduction, and the same with subgroup shuffles.
//
// Each family against the conformance kit's matmul cases (every claimed weight type, against the scalar reference);
// and within the work-group families the promise their header makes: a token's row is the same bits alone (the
// matrix-vector kernel) as in a batch of any size (the tiled kernel), and the same with shared-memory or subgroup
// reduction; and the subgroup family through the kit's whole models.
using System.Text.RegularExpressions;
using Meridian.Conformance;
using Meridian.Conformance.Reports;
using Meridian.Core.Backends;
using Meridian.Core.Ops;
using Meridian.Core.Quant;
using Meridian.Core.Tensors;
using Xunit.Abstractions;

namespace Meridian.Backends.Vulkan.Tests;

public sealed class VulkanMatMulKernelTests(ITestOutputHelper output)
{
    [SkippableTheory]
    [InlineData("rows")]
    [InlineData("groups")]
    [InlineData("subgroups")]
    public void Family_ConformanceKitMatMulCases_Pass(string family)
    {
        VulkanTestDevice.Require();
        using var device = Open(family);
        output.WriteLine($"{device.Name}: {device.Features}");
        var report = ConformanceKit.Run(device, new ConformanceOptions { Models = false, Ops = new Regex("^matmul$") });
        var failed = report.Cases.Where(c => c.Status == CaseStatus.Fail).ToList();
        Assert.True(report.Passed, string.Join("\n", failed.Select(c => $"{c.Op} {c.DType} {c.Shape}: {c.Message}")));
        Assert.True(report.Cases.Count(c => c.Op == "matmul") >= 12, $"only {report.Cases.Count} matmul cases ran");
    }

    [SkippableFact]
    public void SubgroupFamily_ModelLevelQ4_0_PassesAgainstTheReferenceDevice()
    {
        // The kernels a GPU runs, through whole models (each architecture, alone and in batches) on any device.
        VulkanTestDevice.Require();
        using var device = Open("subgroups");
        var report = ConformanceKit.Run(device, new ConformanceOptions { Ops = new Regex("^model$"), Types = [DType.Q4_0] });
        var failed = report.Cases.Where(c => c.Status == CaseStatus.Fail).ToList();
        Assert.True(report.Passed, string.Join("\n", failed.Select(c => $"{c.Op} {c.DType} {c.Shape}: {c.Message}")));
        Assert.Contains(report.Cases, c => c.Level == "model" && c.Shape.StartsWith("synthetic qwen3", StringComparison.Ordinal));
    }

    [SkippableTheory]
    [InlineData(DType.Q4_K)]
    [InlineData(DType.Q8_0)]
    [InlineData(DType.F16)]
    public void WorkGroupFamilies_TokenAloneAndInBatches_SameBitsBothReductions(DType type)
    {
        VulkanTestDevice.Require();
        // 37 rows: not a multiple of the 4-row tile; k = 2304 = 72 groups of 32: lanes 0..7 take two, the rest one.
        const int n = 37, k = 2304, t = 11;
        var rng = new Random(11);
        var wf = new float[n * k];
        for (int i = 0; i < wf.Length; i++) wf[i] = (float)(rng.NextDouble() * 2 - 1);
        var x = new float[t * k];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        var w = new byte[type.ByteSize((long)n * k)];
        QuantCodecs.QuantizeReference(type, wf, w);
        var reference = new float[t * n];
        ReferenceOps.MatMulReference(type, w, n, k, x, reference);

        float[]? first = null;
        foreach (string family in new[] { "groups", "subgroups" })
        {
            using var device = Open(family);
            foreach (int batch in new[] { 1, 3, 8, 11 })
            {
                var y = Run(device, type, w, n, k, x, t, batch);
                for (int i = 0; i < y.Length; i++)
                    Assert.True(Math.Abs(y[i] - reference[i]) <= 1e-3f * (1 + Math.Abs(reference[i])), $"{family}, batches of {batch}: y[{i / n}, {i % n}] = {y[i]}, reference {reference[i]}");
                if (first is null)
                    first = y;
                else
                    for (int i = 0; i < y.Length; i++)
                        Assert.True(BitConverter.SingleToInt32Bits(y[i]) == BitConverter.SingleToInt32Bits(first[i]),
                            $"{family}, batches of {batch}: y[{i / n}, {i % n}] = {y[i]:R}, the groups kernel one token at a time gives {first[i]:R}");
            }
        }
    }

    private static VulkanDevice Open(string family)
    {
        try
        {
            return VulkanBackendProvider.Open(0, family);
        }
        catch (ArgumentException e) when (family == "subgroups")
        {
            Skip.If(true, $"this Vulkan device cannot run the subgroup kernels: {e.Message}");
            throw;
        }
    }

    // The t tokens' rows through matmuls of `batch` tokens at a time.
    private static float[] Run(IDevice device, DType type, byte[] w, int n, int k, float[] x, int t, int batch)
    {
        using var wb = device.Allocate(w.Length, BufferUsage.Weights);
        using var xb = device.Allocate((long)x.Length * 4, BufferUsage.Scratch);
        using var yb = device.Allocate((long)t * n * 4, BufferUsage.Scratch);
        using var stream = device.CreateStream();
        var wt = new DeviceTensor(wb, 0, type, n, k);
        stream.Write(w, wt);
        stream.Upload(x, DeviceTensor.F32(xb, t, k));
        for (int t0 = 0; t0 < t; t0 += batch)
        {
            int m = Math.Min(batch, t - t0);
            stream.MatMul(wt, DeviceTensor.F32(xb, t, k).SliceRows(t0, m), DeviceTensor.F32(yb, t, n).SliceRows(t0, m));
        }
        var y = new float[t * n];
        stream.Download(DeviceTensor.F32(yb, t, n), y);
        return y;
    }
}
