// Something the kit did not check, and why (an absent fixture, a dtype the device does not claim).
namespace Meridian.Conformance.Reports;

/// <summary><paramref name="What"/> was not checked because <paramref name="Reason"/>.</summary>
public sealed record SkipNote(string What, string Reason);
