// Everything one conformance run found, as printed and as written to JSON (schema in docs/backends.md).
using Meridian.Core.Backends;

namespace Meridian.Conformance.Reports;

/// <summary>The result of <see cref="ConformanceKit.Run"/>; <see cref="Passed"/> is what the exit code says.</summary>
public sealed record ConformanceReport
{
    /// <summary>The JSON schema this record is written in.</summary>
    public string Schema { get; init; } = ConformanceReport.SchemaName;

    /// <summary>The contract version the kit checks (<see cref="BackendContract.Version"/>).</summary>
    public string Contract { get; init; } = BackendContract.Version.ToString();

    /// <summary>The backend the device belongs to (filled in by whoever resolved the device, e.g. the CLI); null when unknown.</summary>
    public BackendIdentity? Backend { get; init; }

    /// <summary>The device checked.</summary>
    public required DeviceDescription Device { get; init; }

    /// <summary>The device the model level compares against, when it ran.</summary>
    public string? ReferenceDevice { get; init; }

    /// <summary>The options of the run.</summary>
    public required RunSettings Options { get; init; }

    /// <summary>True when no case failed and no Supports call threw.</summary>
    public bool Passed => Summary.Failed == 0;

    /// <summary>Case counts.</summary>
    public required RunSummary Summary { get; init; }

    /// <summary>Wall time of the whole run, seconds.</summary>
    public double Seconds { get; init; }

    /// <summary>Op × dtype, every op of the contract with every dtype claimed or tested, plus the kit's standard dtypes.</summary>
    public required IReadOnlyList<SupportEntry> Support { get; init; }

    /// <summary>Every case run, in order.</summary>
    public required IReadOnlyList<CaseResult> Cases { get; init; }

    /// <summary>--perf measurements (empty without --perf).</summary>
    public IReadOnlyList<PerfResult> Perf { get; init; } = [];

    /// <summary>What was not checked, and why.</summary>
    public IReadOnlyList<SkipNote> Skipped { get; init; } = [];

    /// <summary>"meridian.conformance/1".</summary>
    public const string SchemaName = "meridian.conformance/1";
}

