// The outcome of one conformance case.
namespace Meridian.Conformance.Reports;

/// <summary>Pass or fail of one case (a case the kit cannot run is a <see cref="SkipNote"/>, not a case).</summary>
public enum CaseStatus
{
    /// <summary>Every output within its bound, finite, guards intact, inputs unchanged.</summary>
    Pass,

    /// <summary>Anything else, including an exception from the device.</summary>
    Fail,
}
