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
        // Every op of the contract was exercised, on every dtype the plugin claims for it.
        foreach (var op in BackendOps.All)
            Assert.Contains(report.Cases, c => c.Level == "op" && c.Op == op.Name());
        Assert.Contains(report.Cases, c => c.Level == "model" && c.Shape.StartsWith("synthetic llama") && c.DType == "q4_K");
    }
}
