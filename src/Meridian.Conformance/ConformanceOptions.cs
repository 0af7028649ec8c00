// What a conformance run covers: `meridian conformance`'s flags as a record.
using System.Text.RegularExpressions;
using Meridian.Core.Tensors;

namespace Meridian.Conformance;

/// <summary>Options of <see cref="ConformanceKit.Run"/>.</summary>
public sealed record ConformanceOptions
{
    /// <summary>Only ops whose name ("matmul", "paged_attention", ...) this matches (null: all). Applies to --perf too.</summary>
    public Regex? Ops { get; init; }

    /// <summary>Only these dtypes (null: every dtype the device claims). Model-level checks use it for the weight types.</summary>
    public IReadOnlyList<DType>? Types { get; init; }

    /// <summary>Also measure µs per call, GB/s and GFLOP/s of matmuls and attention at real model shapes.</summary>
    public bool Perf { get; init; }

    /// <summary>Run the model level too (when its fixtures are there and the op filter allows; see <see cref="ModelChecks"/>).</summary>
    public bool Models { get; init; } = true;

    /// <summary>
    /// The device the model level compares with (null: a <see cref="Reference.ReferenceDevice"/>, Core's scalar
    /// reference ops). Owned by the caller.
    /// </summary>
    public Core.Backends.IDevice? ReferenceDevice { get; init; }

    /// <summary>
    /// The folder holding third-party fixtures (stories260k/...); null looks for MERIDIAN_TESTDATA, then a
    /// shared/testdata or ../shared/testdata above the program and the current directory. Absent: those models
    /// are skipped with a printed reason.
    /// </summary>
    public string? TestDataDirectory { get; init; }

    /// <summary>Where synthetic models are written (null: a meridian-conformance folder in the temp directory; files are reused).</summary>
    public string? ModelCacheDirectory { get; init; }

    /// <summary>Added to every case's seed; 0 reproduces the published runs.</summary>
    public int Seed { get; init; }

    /// <summary>A line per finished group of cases, and per failure (the CLI sends these to stderr).</summary>
    public Action<string>? Progress { get; init; }

    /// <summary>True when <paramref name="type"/> passes the --types filter.</summary>
    public bool IncludesType(DType type) => Types is null || Types.Contains(type);

    /// <summary>True when <paramref name="name"/> passes the --ops filter.</summary>
    public bool IncludesOp(string name) => Ops is null || Ops.IsMatch(name);
}
