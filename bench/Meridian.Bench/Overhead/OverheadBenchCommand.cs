// `bench overhead`: what a backend's calling path costs per op and per step, measured against the in-process
// CPU backend in the same run: a step of many tiny ops (the per-op cost: describing an op, crossing into the
// device, dispatching it), a minimal engine-like step (write the inputs, one op, submit, read back: the per-step
// cost), and greedy decoding of a small model (what a user sees). For a plugin (--device plugin:PATH) the
// difference from the CPU is the C ABI's own cost, since the tiny ops do almost no arithmetic.
using System.CommandLine;
using System.Diagnostics;
using Meridian.Core.Backends;
using Meridian.Models;

namespace Meridian.Bench.Overhead;

internal static class OverheadBenchCommand
{
    public static Command Create()
    {
        var device = new Option<string>("--device") { Description = "the device to measure (e.g. plugin:native/build/libmeridian-reference.so)", Required = true };
        var model = new Option<string>("--model") { Description = "a small GGUF model for the decode row (models/demo/meridian-demo.gguf)", Required = true };
        var ops = new Option<int>("--ops") { Description = "tiny ops per step in the per-op test", DefaultValueFactory = _ => 1000 };
        var steps = new Option<int>("--steps") { Description = "steps in the per-step test", DefaultValueFactory = _ => 2000 };
        var tokens = new Option<int>("-n") { Description = "tokens decoded in the model row", DefaultValueFactory = _ => 64 };
        var reps = new Option<int>("--reps") { Description = "repetitions; the median is reported", DefaultValueFactory = _ => 5 };
        var threads = new Option<int>("--threads", "-t") { Description = "CPU threads", DefaultValueFactory = _ => 2 };
        var command = new Command("overhead", "Per-op and per-step cost of a backend's calling path, against the in-process CPU backend")
        {
            device, model, ops, steps, tokens, reps, threads,
        };
        command.SetAction(parse =>
        {
            var registry = Meridian.Cli.CliBackends.Create(parse.GetValue(threads));
            string name = parse.GetValue(device)!;
            string modelPath = parse.GetValue(model)!;
            var rows = new List<(string Device, double OpUs, double StepUs, double TokenMs)>();
            foreach (var (label, target) in new[] { ("cpu", registry.Resolve("cpu")), (name, registry.Resolve(name)) })
            {
                Console.Error.WriteLine($"measuring {label} ({target.Name})");
                double op = Median(parse.GetValue(reps), () => PerOp(target, parse.GetValue(ops)));
                double step = Median(parse.GetValue(reps), () => PerStep(target, parse.GetValue(steps)));
                double token = Median(parse.GetValue(reps), () => PerToken(target, modelPath, parse.GetValue(tokens)));
                rows.Add((label, op, step, token));
            }
            Console.Out.WriteLine($"model: {Path.GetFileName(modelPath)}, {parse.GetValue(ops)} ops per step, {parse.GetValue(steps)} steps, {parse.GetValue(tokens)} tokens, median of {parse.GetValue(reps)}");
            Console.Out.WriteLine();
            Console.Out.WriteLine("| device | µs per tiny op | µs per minimal step | ms per decoded token |");
            Console.Out.WriteLine("|---|---|---|---|");
            foreach (var r in rows)
                Console.Out.WriteLine($"| {r.Device} | {r.OpUs:F3} | {r.StepUs:F2} | {r.TokenMs:F3} |");
            var (cpu, other) = (rows[0], rows[1]);
            Console.Out.WriteLine();
            Console.Out.WriteLine($"{other.Device} minus cpu: {other.OpUs - cpu.OpUs:F3} µs per op, {other.StepUs - cpu.StepUs:F2} µs per step, {other.TokenMs - cpu.TokenMs:F3} ms per token ({other.TokenMs / cpu.TokenMs:F2}x)");
            return 0;
        });
        return command;
    }

    private static double Median(int reps, Func<double> measure)
    {
        measure(); // warm-up: JIT, first allocations, page faults
        var values = Enumerable.Range(0, Math.Max(1, reps)).Select(_ => measure()).Order().ToArray();
        return values[values.Length / 2];
    }

    // One step of `count` adds on a [1, 64] f32 row: microseconds per op.
    private static double PerOp(IDevice device, int count)
    {
        using var buffer = device.Allocate(64 * sizeof(float), BufferUsage.Scratch);
        using var stream = device.CreateStream();
        var x = DeviceTensor.F32(buffer, 1, 64);
        stream.Upload(new float[64], x);
        Step(); // untimed: the stream's first step of this size grows its buffers
        var clock = Stopwatch.StartNew();
        Step();
        return clock.Elapsed.TotalMicroseconds / count;

        void Step()
        {
            stream.BeginStep();
            for (int i = 0; i < count; i++)
                stream.Add(x, x, x);
            stream.SubmitStep();
            stream.Synchronize();
        }
    }

    // `count` steps shaped like a decode step with nothing to compute: write one i32, one op, submit, read one i32.
    private static double PerStep(IDevice device, int count)
    {
        using var ints = device.Allocate(sizeof(int), BufferUsage.Scratch);
        using var floats = device.Allocate(64 * sizeof(float), BufferUsage.Scratch);
        using var stream = device.CreateStream();
        var id = new DeviceTensor(ints, 0, Meridian.Core.Tensors.DType.I32, 1, 1);
        var x = DeviceTensor.F32(floats, 1, 64);
        var value = new int[1];
        Steps(16); // untimed
        var clock = Stopwatch.StartNew();
        Steps(count);
        return clock.Elapsed.TotalMicroseconds / count;

        void Steps(int n)
        {
            for (int i = 0; i < n; i++)
            {
                stream.Upload(value, id);
                stream.BeginStep();
                stream.ArgMax(x, id);
                stream.SubmitStep();
                stream.Download(id, value);
            }
        }
    }

    // Greedy decoding, one token per step after a one-token prompt: milliseconds per token.
    private static double PerToken(IDevice device, string path, int tokens)
    {
        using var model = ModelLoader.Load(path, device);
        using var state = new SequenceState(model, capacity: tokens + 1, maxBatch: 1);
        var logits = new float[model.VocabSize];
        var best = new int[1];
        int token = 1;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < tokens; i++)
        {
            state.Forward([token], i, logits);
            Meridian.Core.Ops.ReferenceOps.ArgMaxReference(logits, logits.Length, best);
            token = best[0];
        }
        return clock.Elapsed.TotalMilliseconds / tokens;
    }
}
