// The options of a conformance run, as its report records them.
namespace Meridian.Conformance.Reports;

/// <summary>--ops regex, --types list (null: all), --perf, whether the model level ran, and the input seed.</summary>
public sealed record RunSettings(string? Ops, IReadOnlyList<string>? Types, bool Perf, bool Models, int Seed);
