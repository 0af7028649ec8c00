// The conformance report as a terminal reads it: the support matrix (a row per dtype, a column per op), the
// failed cases, the model checks, --perf timings, what was skipped, and a summary line.
using Meridian.Conformance.Reports;
using Meridian.Core.Backends;

namespace Meridian.Cli.Conformance;

internal static class ConformanceTextRenderer
{
    public static void Write(TextWriter w, ConformanceReport report)
    {
        w.WriteLine($"device: {report.Device.Name} ({report.Device.Kind}), contract {report.Contract}");
        if (report.Backend is { } b)
            w.WriteLine($"backend: {b.Name}, contract {b.Contract}" + (b.Version is null ? "" : $", version {b.Version}") + (b.Library is null ? "" : $", library {b.Library}"));
        w.WriteLine();
        WriteMatrix(w, report.Support);

        var failed = report.Cases.Where(c => c.Status == CaseStatus.Fail).ToList();
        if (failed.Count > 0)
        {
            w.WriteLine();
            w.WriteLine("failed:");
            foreach (var c in failed)
                w.WriteLine($"  {c.Level} {c.Op} {c.DType} {c.Shape}: {c.Message}");
        }

        var models = report.Cases.Where(c => c.Level == "model").ToList();
        if (models.Count > 0)
        {
            w.WriteLine();
            w.WriteLine($"models (against {report.ReferenceDevice}):");
            foreach (var c in models)
                w.WriteLine($"  {(c.Status == CaseStatus.Pass ? "pass" : "FAIL")}  {c.Shape} {c.DType} {c.Op}{(c.Nmse is { } e ? $" (NMSE {e:G3})" : "")}{(c.Status == CaseStatus.Pass && c.Message != null ? $": {c.Message}" : "")}");
        }

        if (report.Perf.Count > 0)
        {
            w.WriteLine();
            int shapeWidth = report.Perf.Max(p => p.Shape.Length);
            w.WriteLine($"{"op",-16} {"dtype",-7} {"shape".PadRight(shapeWidth)} {"µs/call",12} {"GB/s",9} {"GFLOP/s",9}");
            foreach (var p in report.Perf)
                w.WriteLine($"{p.Op,-16} {p.DType,-7} {p.Shape.PadRight(shapeWidth)} {p.MicrosecondsPerCall,12:F1} {p.GigabytesPerSecond,9:F1} {p.GigaflopsPerSecond,9:F1}");
        }

        if (report.Skipped.Count > 0)
        {
            w.WriteLine();
            w.WriteLine("skipped:");
            foreach (var s in report.Skipped)
                w.WriteLine($"  {s.What}: {s.Reason}");
        }

        w.WriteLine();
        w.WriteLine($"{report.Summary.Cases} cases: {report.Summary.Passed} passed, {report.Summary.Failed} failed ({report.Seconds:F1} s): {(report.Passed ? "PASS" : "FAIL")}");
    }

    // Rows: the dtypes of the matrix in its order (those the run checked); columns: every op of the contract.
    private static void WriteMatrix(TextWriter w, IReadOnlyList<SupportEntry> support)
    {
        var ops = BackendOps.All.Select(o => o.Name()).ToArray();
        // Rows with something run in them; all rows when the filters left nothing run (so the claims still show).
        var ran = support.Where(s => s.Status is SupportStatus.Pass or SupportStatus.Fail or SupportStatus.Untested).Select(s => s.DType).ToHashSet();
        var dtypes = support.Select(s => s.DType).Distinct().Where(d => ran.Count == 0 || ran.Contains(d)).ToArray();
        var cells = support.ToDictionary(s => (s.Op, s.DType));
        int first = Math.Max(5, dtypes.Select(d => d.Length).DefaultIfEmpty(0).Max());
        w.WriteLine("dtype".PadRight(first) + "  " + string.Join("  ", ops));
        foreach (var dtype in dtypes)
        {
            var row = ops.Select(op => Cell(cells.TryGetValue((op, dtype), out var e) ? e.Status : SupportStatus.Unsupported).PadRight(op.Length));
            w.WriteLine(dtype.PadRight(first) + "  " + string.Join("  ", row).TrimEnd());
        }
        w.WriteLine("(pass: every case passed; FAIL: a case failed; -: not claimed; ?: claimed, but the kit has no check for it; skip: left out by --ops/--types)");
    }

    private static string Cell(SupportStatus status) => status switch
    {
        SupportStatus.Pass => "pass",
        SupportStatus.Fail => "FAIL",
        SupportStatus.Unsupported => "-",
        SupportStatus.Untested => "?",
        _ => "skip",
    };
}
