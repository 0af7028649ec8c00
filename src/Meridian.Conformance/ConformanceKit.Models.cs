// The model level of the kit: whole models on the device against the reference device (Core's scalar ops
// unless the caller names another). The reference decodes greedily for 64 steps; the device is fed the
// same tokens (teacher forcing), so every step is compared even after a near tie. Per model and KV dtype:
//   greedy  at every step the device's greedy token equals the reference's, except on a near tie (the
//           reference's logits of the two tokens within Tolerances.GreedyNearTie of the row's RMS); with no near tie this is
//           "the device's greedy text equals the reference's for 64 tokens";
//   logits  every step's logits within Tolerances.ModelLogits (NMSE) of the reference's;
//   batch   the same sequence as one of eight in every step gives the same tokens and logits (NMSE within
//           Tolerances.BatchInvariance) as alone, on the device.
using System.Diagnostics;
using Meridian.Conformance.ModelLevel;
using Meridian.Conformance.Reference;
using Meridian.Conformance.Reports;
using Meridian.Core.Backends;
using Meridian.Models;

namespace Meridian.Conformance;

public static partial class ConformanceKit
{
    /// <summary>Greedy steps per model.</summary>
    public const int ModelSteps = 64;

    /// <summary>Steps of the batch-of-eight check.</summary>
    public const int BatchSteps = 16;

    private static List<CaseResult> RunModelLevel(IDevice device, ConformanceOptions options, List<SkipNote> skipped, out string referenceName)
    {
        var results = new List<CaseResult>();
        var owned = options.ReferenceDevice is null ? new ReferenceDevice() : null;
        var reference = options.ReferenceDevice ?? owned!;
        referenceName = reference.Name;
        try
        {
            foreach (var fixture in ModelFixtures.All(device, options, skipped))
            {
                var clock = Stopwatch.StartNew();
                List<CaseResult> checks;
                try
                {
                    checks = Check(device, reference, fixture);
                }
                catch (UnsupportedOpException ex)
                {
                    skipped.Add(new SkipNote($"model {fixture.Shape} {fixture.Label}", ex.Message));
                    continue;
                }
                catch (Exception ex)
                {
                    checks = [new CaseResult("model", "load", fixture.Label, fixture.Shape, CaseStatus.Fail, null, null,
                        $"threw {ex.GetType().Name}: {ex.Message}", clock.Elapsed.TotalMilliseconds)];
                }
                results.AddRange(checks);
                var failed = checks.Where(r => r.Status == CaseStatus.Fail).ToList();
                options.Progress?.Invoke($"model {fixture.Shape} {fixture.Label}: {(failed.Count == 0 ? "passed" : $"{failed.Count} checks FAILED")} ({clock.Elapsed.TotalSeconds:F2} s)");
                foreach (var r in failed)
                    Report(options, r);
            }
        }
        finally
        {
            owned?.Dispose();
        }
        return results;
    }

    private static List<CaseResult> Check(IDevice device, IDevice reference, ModelFixture fixture)
    {
        string path = fixture.Path();
        var load = new ModelLoadOptions { KvType = fixture.KvType };
        var clock = Stopwatch.StartNew();
        GreedyTrace expected, actual, batched;
        using (var model = ModelLoader.Load(path, reference, load))
            expected = ModelRuns.Alone(model, fixture.Prompt, ModelSteps);
        using (var model = ModelLoader.Load(path, device, load))
        {
            actual = ModelRuns.Alone(model, fixture.Prompt, ModelSteps, forced: expected.Tokens);
            batched = ModelRuns.InBatch(model, fixture.Prompt, BatchSteps, seed: 14, forced: expected.Tokens);
        }
        double ms = clock.Elapsed.TotalMilliseconds / 3;
        var results = new List<CaseResult>(3);

        // greedy: every step's choice, near ties allowed and named.
        var ties = new List<string>();
        string? wrong = null;
        for (int i = 0; i < ModelSteps && wrong is null; i++)
        {
            int mine = actual.Tokens[i], theirs = expected.Tokens[i];
            if (mine == theirs)
                continue;
            double gap = expected.Logits[i][theirs] - expected.Logits[i][mine];
            double rms = Math.Sqrt(expected.Logits[i].Sum(x => (double)x * x) / expected.Logits[i].Length);
            string what = $"step {i}: token {mine}, reference {theirs}, whose logits differ by {gap:G3} in the reference ({gap / rms:P1} of the row's RMS)";
            if (gap <= Tolerances.GreedyNearTie * rms)
                ties.Add(what);
            else
                wrong = what;
        }
        int equal = actual.Tokens.Zip(expected.Tokens).Count(p => p.First == p.Second);
        string note = $"{equal} of {ModelSteps} greedy tokens equal" + (ties.Count > 0 ? $"; near ties: {string.Join("; ", ties)}" : "");
        results.Add(new CaseResult("model", "greedy", fixture.Label, fixture.Shape, wrong is null ? CaseStatus.Pass : CaseStatus.Fail, null,
            Tolerances.GreedyNearTie, wrong is null ? note : $"{wrong}, more than the near-tie margin of {Tolerances.GreedyNearTie:P0}", ms));

        // logits: the worst step.
        var (worst, worstStep) = WorstNmse(actual.Logits, expected.Logits, ModelSteps);
        bool logitsOk = worst <= Tolerances.ModelLogits;
        results.Add(new CaseResult("model", "logits", fixture.Label, fixture.Shape, logitsOk ? CaseStatus.Pass : CaseStatus.Fail,
            double.IsFinite(worst) ? worst : null, Tolerances.ModelLogits,
            logitsOk ? null : $"step {worstStep}: logits NMSE {worst:G3} > {Tolerances.ModelLogits:G3} against the reference", ms));

        // batch: the sequence in a batch of eight against itself alone, on the device.
        int firstDifferent = Enumerable.Range(0, BatchSteps).FirstOrDefault(i => batched.Tokens[i] != actual.Tokens[i], -1);
        var (batchWorst, batchStep) = WorstNmse(batched.Logits, actual.Logits, BatchSteps);
        bool batchOk = firstDifferent < 0 && batchWorst <= Tolerances.BatchInvariance;
        string? batchNote = firstDifferent >= 0
            ? $"step {firstDifferent}: in a batch of 8 the sequence's greedy token is {batched.Tokens[firstDifferent]}, alone {actual.Tokens[firstDifferent]}"
            : batchOk ? null : $"step {batchStep}: logits NMSE {batchWorst:G3} > {Tolerances.BatchInvariance:G3} between the sequence alone and in a batch of 8";
        results.Add(new CaseResult("model", "batch", fixture.Label, fixture.Shape, batchOk ? CaseStatus.Pass : CaseStatus.Fail,
            double.IsFinite(batchWorst) ? batchWorst : null, Tolerances.BatchInvariance, batchNote, ms));
        return results;
    }

    // The largest NMSE Σ(a − r)² / Σr² over the first `steps` rows and where it is; NaN at once for a non-finite value.
    private static (double Nmse, int Step) WorstNmse(float[][] actual, float[][] expected, int steps)
    {
        double worst = 0;
        int at = 0;
        for (int s = 0; s < steps; s++)
        {
            double err = 0, norm = 0;
            for (int i = 0; i < expected[s].Length; i++)
            {
                if (!float.IsFinite(actual[s][i]))
                    return (double.NaN, s);
                double d = (double)actual[s][i] - expected[s][i];
                err += d * d;
                norm += (double)expected[s][i] * expected[s][i];
            }
            double e = norm > 0 ? err / norm : err;
            if (e > worst)
                (worst, at) = (e, s);
        }
        return (worst, at);
    }
}
