// The conformance kit: the definition of a correct backend (docs/backends.md). Every (op, dtype) the device
// claims runs its cases against Core's scalar references, modelled on ggml's test-backend-ops; then, with
// --perf, timings at real model shapes. The report holds every case, the op × dtype support matrix and what
// was skipped.
using System.Diagnostics;
using Meridian.Conformance.Checking;
using Meridian.Conformance.Inputs;
using Meridian.Conformance.Ops;
using Meridian.Conformance.Perf;
using Meridian.Conformance.Reports;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Conformance;

/// <summary>Runs the kit on a device.</summary>
public static partial class ConformanceKit
{
    /// <summary>Checks <paramref name="device"/>: op level, then model level (<see cref="ConformanceOptions.Models"/>), then perf.</summary>
    public static ConformanceReport Run(IDevice device, ConformanceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        options ??= new ConformanceOptions();
        var clock = Stopwatch.StartNew();
        var description = DeviceDescription.Of(device);
        var cases = new List<CaseResult>();
        var skipped = new List<SkipNote>();
        var cells = new Dictionary<(BackendOp Op, DType Type), SupportEntry>();

        var stream = device.CreateStream();
        try
        {
            foreach (var op in BackendOps.All)
            {
                foreach (var type in DeviceDescription.CandidateTypes)
                {
                    bool claimed = DeviceDescription.Claims(device, op, type, out var error);
                    if (error != null)
                    {
                        var failed = new CaseResult("op", op.Name(), type.Name(), "Supports", CaseStatus.Fail, null, null,
                            $"Supports({op.Name()}, {type.Name()}) threw {error.GetType().Name}: {error.Message}", 0);
                        cases.Add(failed);
                        Report(options, failed);
                        cells[(op, type)] = new SupportEntry(op.Name(), type.Name(), SupportStatus.Fail, 1, 1);
                        continue;
                    }
                    if (!claimed)
                        continue;
                    if (!options.IncludesOp(op.Name()) || !options.IncludesType(type))
                    {
                        cells[(op, type)] = new SupportEntry(op.Name(), type.Name(), SupportStatus.NotRun, 0, 0);
                        continue;
                    }
                    var opCases = CasesFor(device, op, type);
                    if (opCases is null)
                    {
                        cells[(op, type)] = new SupportEntry(op.Name(), type.Name(), SupportStatus.Untested, 0, 0);
                        skipped.Add(new SkipNote($"{op.Name()} on {type.Name()}", "claimed, but the kit has no reference for this pair (Core cannot decode the dtype, or the op is not defined on it)"));
                        continue;
                    }
                    var groupClock = Stopwatch.StartNew();
                    int run = 0, failedCount = 0;
                    foreach (var opCase in opCases)
                    {
                        var result = RunCase(ref stream, device, opCase, options.Seed);
                        cases.Add(result);
                        run++;
                        if (result.Status == CaseStatus.Fail)
                        {
                            failedCount++;
                            Report(options, result);
                        }
                    }
                    options.Progress?.Invoke($"{op.Name()} {type.Name()}: {run} cases, {(failedCount == 0 ? "all passed" : $"{failedCount} FAILED")} ({groupClock.Elapsed.TotalSeconds:F2} s)");
                    cells[(op, type)] = new SupportEntry(op.Name(), type.Name(), failedCount == 0 ? SupportStatus.Pass : SupportStatus.Fail, run, failedCount);
                }
            }
        }
        finally
        {
            stream.Dispose();
        }

        string? referenceName = null;
        if (options.Models && options.IncludesOp("model"))
            cases.AddRange(RunModelLevel(device, options, skipped, out referenceName));

        var perf = options.Perf ? PerfRunner.Run(device, options, skipped) : [];
        int failures = cases.Count(c => c.Status == CaseStatus.Fail);
        return new ConformanceReport
        {
            Device = description,
            ReferenceDevice = referenceName,
            Options = new RunSettings(options.Ops?.ToString(), options.Types?.Select(t => t.Name()).ToArray(), options.Perf, options.Models, options.Seed),
            Summary = new RunSummary(cases.Count, cases.Count - failures, failures),
            Seconds = clock.Elapsed.TotalSeconds,
            Support = Matrix(cells),
            Cases = cases,
            Perf = perf,
            Skipped = skipped,
        };
    }

    // The cases of (op, type), or null when the kit has no reference for the pair.
    private static IEnumerable<OpCase>? CasesFor(IDevice device, BackendOp op, DType type) => op switch
    {
        BackendOp.MatMul when InputData.CanMakeWeights(type) => MatMulCases.For(type),
        BackendOp.EmbeddingLookup when InputData.CanMakeWeights(type) => EmbeddingCases.For(type),
        BackendOp.PagedAttention when type is DType.F32 or DType.F16 =>
            AttentionCases.For(type, DeviceDescription.Claims(device, BackendOp.ScatterRows, type, out _),
                device.SupportsVariant(BackendOp.PagedAttention, AttentionParams.SinksVariant)),
        BackendOp.ScatterRows when type is DType.F32 or DType.F16 => RowCases.ScatterRows(type),
        BackendOp.Copy => RowCases.Copy(type),
        BackendOp.RmsNorm when type == DType.F32 => NormCases.All(),
        BackendOp.Rope when type == DType.F32 => RopeCases.All(device.SupportsVariant(BackendOp.Rope, RopeSpec.ExtendedVariant)),
        BackendOp.GatherRows when type == DType.F32 => RowCases.GatherRows(),
        BackendOp.SwiGlu when type == DType.F32 => ElementwiseCases.SwiGlu(),
        BackendOp.Add when type == DType.F32 => ElementwiseCases.Add(),
        BackendOp.Softmax when type == DType.F32 => ElementwiseCases.Softmax(),
        BackendOp.ArgMax when type == DType.F32 => RowCases.ArgMax(),
        BackendOp.GeGlu when type == DType.F32 => ElementwiseCases.GeGlu(),
        BackendOp.Scale when type == DType.F32 => ElementwiseCases.Scale(),
        BackendOp.Softcap when type == DType.F32 => ElementwiseCases.Softcap(),
        BackendOp.MoeRoute when type == DType.F32 => MoeCases.Route(),
        BackendOp.MoeFeedForward when InputData.CanMakeWeights(type) => MoeCases.FeedForward(type),
        _ => null,
    };

    // One case on its own context. A throw is a failure naming the exception; the stream is then replaced, since
    // a step may have been left open.
    private static CaseResult RunCase(ref IComputeStream stream, IDevice device, OpCase opCase, int seed)
    {
        var clock = Stopwatch.StartNew();
        var context = new CaseContext(stream, opCase.Seed(seed));
        try
        {
            opCase.Run(context);
            context.Finish();
        }
        catch (Exception ex)
        {
            context.Fail($"threw {ex.GetType().Name}: {ex.Message}");
            stream.Dispose();
            stream = device.CreateStream();
        }
        finally
        {
            try
            {
                context.Dispose();
            }
            catch (Exception ex)
            {
                context.Fail($"disposing a buffer threw {ex.GetType().Name}: {ex.Message}");
            }
        }
        bool passed = context.Failures.Count == 0;
        return new CaseResult("op", opCase.Op.Name(), opCase.Type.Name(), opCase.Shape, passed ? CaseStatus.Pass : CaseStatus.Fail,
            context.WorstNmse, context.Bound, passed ? null : string.Join("; ", context.Failures), clock.Elapsed.TotalMilliseconds);
    }

    private static void Report(ConformanceOptions options, CaseResult failed) =>
        options.Progress?.Invoke($"FAIL {failed.Op} {failed.DType} {failed.Shape}: {failed.Message}");

    // Rows: every op; columns: every dtype any op claimed (or whose Supports threw), in id order.
    private static IReadOnlyList<SupportEntry> Matrix(Dictionary<(BackendOp Op, DType Type), SupportEntry> cells)
    {
        var columns = cells.Keys.Select(k => k.Type).Distinct().OrderBy(t => (uint)t).ToArray();
        var entries = new List<SupportEntry>();
        foreach (var op in BackendOps.All)
        {
            foreach (var type in columns)
                entries.Add(cells.TryGetValue((op, type), out var e) ? e : new SupportEntry(op.Name(), type.Name(), SupportStatus.Unsupported, 0, 0));
        }
        return entries;
    }
}
