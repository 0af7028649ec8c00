// The model level of the kit (whole models against the reference device): not yet wired, waiting for the
// contract-v1 Models rewrite.
using Meridian.Conformance.Reports;
using Meridian.Core.Backends;

namespace Meridian.Conformance;

public static partial class ConformanceKit
{
    private static IEnumerable<CaseResult> RunModelLevel(IDevice device, ConformanceOptions options, List<SkipNote> skipped)
    {
        skipped.Add(new SkipNote("model level", "not built yet: it waits for the contract-v1 model loader"));
        return [];
    }
}
