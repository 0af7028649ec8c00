// The reference C plugin against the conformance kit, as a vendor runs it (meridian conformance --device
// plugin:PATH): every op and dtype it claims, at op level and model level (synthetic models in every dtype Core
// writes, stories260K when ../shared/testdata is there), must pass.
using Meridian.Conformance;
using Meridian.Conformance.Reports;
using Meridian.Core.Backends;
using Xunit.Abstractions;

namespace Meridian.Backends.Native.Tests;

public sealed class PluginConformanceTests(ITestOutputHelper output)
{
    [SkippableFact]
    public void ReferencePlugin_ConformanceKit_EveryClaimedCasePasses()
    {
        var device = NativeBackendProvider.Load(TestPlugins.Require()).Devices[0];
        var report = ConformanceKit.Run(device, new ConformanceOptions { Progress = output.WriteLine });
        foreach (var s in report.Skipped)
            output.WriteLine($"skipped {s.What}: {s.Reason}");
        var failed = report.Cases.Where(c => c.Status == CaseStatus.Fail).ToList();
        Assert.True(report.Passed, string.Join("\n", failed.Select(c => $"{c.Level} {c.Op} {c.DType} {c.Shape}: {c.Message}")));
        // Every op of contract 1.0 (plugin ABI 1.0) was exercised, on every dtype the plugin claims for it; the ops
        // contract 1.1 added are not in ABI 1.0, so the device reports them unsupported (and the kit runs none).
        foreach (var op in BackendOps.All.Where(o => o <= BackendOp.ArgMax))
            Assert.Contains(report.Cases, c => c.Level == "op" && c.Op == op.Name());
        foreach (var op in (BackendOp[])[BackendOp.GeGlu, BackendOp.Scale, BackendOp.Softcap])
        {
            Assert.False(device.Supports(op, Core.Tensors.DType.F32), $"{op.Name()} claimed over ABI 1.0");
            Assert.DoesNotContain(report.Cases, c => c.Op == op.Name());
        }
        Assert.False(device.SupportsVariant(BackendOp.Rope, Core.Backends.RopeSpec.ExtendedVariant));
        Assert.Contains(report.Cases, c => c.Level == "model" && c.Shape.StartsWith("synthetic llama") && c.DType == "q4_K");
    }
}
