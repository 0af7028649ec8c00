// Case counts of a conformance run.
namespace Meridian.Conformance.Reports;

/// <summary>Cases run, passed and failed (a Supports call that threw counts as a failed case).</summary>
public sealed record RunSummary(int Cases, int Passed, int Failed);
