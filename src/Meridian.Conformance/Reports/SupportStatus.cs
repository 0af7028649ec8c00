// One cell of the support matrix (op × dtype).
namespace Meridian.Conformance.Reports;

/// <summary>What the kit found for one (op, dtype) pair.</summary>
public enum SupportStatus
{
    /// <summary>Claimed by the device, and every case of the pair passed.</summary>
    Pass,

    /// <summary>Claimed, and at least one case failed (or Supports threw).</summary>
    Fail,

    /// <summary>Not claimed: a model needing it is refused, or falls back to the CPU when allowed.</summary>
    Unsupported,

    /// <summary>Claimed, but the kit has no check for it (Core cannot decode the dtype, or the op is not defined on it).</summary>
    Untested,

    /// <summary>Claimed, but left out of this run by --ops or --types.</summary>
    NotRun,
}
