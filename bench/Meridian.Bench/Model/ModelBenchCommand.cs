// `bench model` (options in ModelBenchArguments; `meridian bench` launches it): llama-bench's pp/tg for Meridian and
// llama.cpp (LLamaSharp) on the same file, threads, context and batch, one untimed warm-up each, then interleaved
// rep by rep; tg rows also as a share of the memory read bandwidth measured first. Results stdout, progress stderr.
using System.CommandLine;
using System.Text.Json;
using Meridian.Formats.Gguf;
using Meridian.Models.Synthetic;

namespace Meridian.Bench.Model;

internal static class ModelBenchCommand
{
    private const int Seed = 1;

    public static Command Create()
    {
        var arguments = new ModelBenchArguments();
        var command = new Command("model", "Prompt processing and generation tokens/s, Meridian against llama.cpp");
        arguments.AddTo(command);
        command.SetAction(parse =>
        {
            var (options, error) = arguments.Read(parse);
            if (options is null)
            {
                Console.Error.WriteLine($"error: {error}");
                return 2;
            }
            var report = BenchProgress.Run(Steps(options), progress => Run(options, progress));
            if (options.Json)
                Console.Out.WriteLine(JsonSerializer.Serialize(report, BenchJsonContext.Default.ModelBenchReport));
            else
                ModelBenchTable.Write(Console.Out, report);
            if (options.Report is { } reportPath)
            {
                File.WriteAllText(reportPath, ModelBenchHtml.Render(report));
                Console.Error.WriteLine($"wrote {reportPath}");
            }
            return 0;
        });
        return command;
    }

    // The counted steps of Run: the bandwidth pass, one per model file, then per model × threads × engine
    // a load, a warm-up and one per rep and test, plus a bandwidth pass per rep when tg is measured.
    private static int Steps(ModelBenchOptions o)
    {
        int models = o.Model is null ? o.Types.Length : 1;
        int engines = o.Vs is null ? 1 : 2;
        int tests = (o.Prompt > 0 ? 1 : 0) + (o.Generate > 0 ? 1 : 0);
        return 1 + models + models * o.Threads.Length * (engines * (2 + o.Reps * tests) + (o.Generate > 0 ? o.Reps : 0));
    }

    private static ModelBenchReport Run(ModelBenchOptions o, BenchProgress progress)
    {
        // First, while nothing else is loaded: the bandwidth the tg figures are compared with.
        int bandwidthThreads = o.Threads.Max();
        progress.Step($"memory read bandwidth: {bandwidthThreads} threads, {MemoryBandwidth.DefaultBytes >> 20} MiB, best of {MemoryBandwidth.DefaultPasses}");
        double bandwidth = MemoryBandwidth.Measure(bandwidthThreads);
        double highestBandwidth = bandwidth;

        var results = new List<ModelBenchResult>();
        var ratios = new List<ModelBenchRatio>();
        var models = new List<(string Name, string Type, string File)>();
        if (o.Model is { } path)
        {
            progress.Step($"model {path}");
            models.Add((Path.GetFileName(path), "file", path));
        }
        else
        {
            foreach (string t in o.Types)
            {
                progress.Step($"model {o.Synthetic} {t.ToUpperInvariant()}");
                models.Add((o.Synthetic!, t.ToUpperInvariant(), SyntheticPath(o.Synthetic!, t, o.Pure, progress)));
            }
        }
        int capacity = o.Prompt + o.Generate + 16;
        var rng = new Random(Seed);
        var weights = new List<ModelBenchWeights>();
        foreach (var (name, type, file) in models)
        {
            var read = WeightBytesPerToken(file);
            weights.Add(new ModelBenchWeights(name, type, read.Total, read.PerToken, read.Note));
            double bytesPerToken = read.PerToken;
            int vocab = VocabSize(file);
            int[] promptTokens = Enumerable.Range(0, o.Prompt).Select(_ => rng.Next(3, vocab)).ToArray();
            int[] decodeTokens = Enumerable.Range(0, o.Generate).Select(_ => rng.Next(3, vocab)).ToArray();
            string pp = $"pp{o.Prompt}", tg = $"tg{o.Generate}";
            foreach (int t in o.Threads)
            {
                var engines = new List<IModelEngine>();
                try
                {
                    progress.Step($"{name} {type} t={t}: loading meridian");
                    engines.Add(new MeridianModelEngine(file, o.Device, t, capacity, o.KvType == "f16" ? Meridian.Core.Tensors.DType.F16 : Meridian.Core.Tensors.DType.F32));
                    if (o.Vs is not null)
                    {
                        progress.Step($"{name} {type} t={t}: loading llama.cpp");
                        engines.Add(new LlamaCppModelEngine(file, t, capacity, Math.Max(1, o.Prompt), o.KvType == "f16"));
                    }
                    // One untimed full run each first (llama-bench does the same): JIT tiers, page cache, thread pools.
                    foreach (var e in engines)
                    {
                        progress.Step($"{name} {type} t={t}: warm-up {e.Name}");
                        if (o.Prompt > 0)
                            e.Prefill(promptTokens);
                        if (o.Generate > 0)
                            e.Decode(decodeTokens);
                    }
                    // The host's bandwidth moves (a shared VM read 46-77 GB/s within an hour), so it is measured
                    // again after every rep, and a tg row is compared with the highest figure seen around it.
                    double blockBandwidth = bandwidth;
                    var ppTps = engines.ToDictionary(e => e.Name, _ => new List<double>());
                    var tgTps = engines.ToDictionary(e => e.Name, _ => new List<double>());
                    for (int r = 0; r < o.Reps; r++)
                    {
                        foreach (var e in engines)
                        {
                            if (o.Prompt > 0)
                            {
                                progress.Step($"{name} {type} t={t} rep {r + 1}/{o.Reps}: {e.Name} {pp}");
                                ppTps[e.Name].Add(o.Prompt / e.Prefill(promptTokens));
                            }
                            if (o.Generate > 0)
                            {
                                progress.Step($"{name} {type} t={t} rep {r + 1}/{o.Reps}: {e.Name} {tg}");
                                tgTps[e.Name].Add(o.Generate / e.Decode(decodeTokens));
                            }
                        }
                        if (o.Generate > 0)
                        {
                            progress.Step($"{name} {type} t={t} rep {r + 1}/{o.Reps}: memory read bandwidth");
                            blockBandwidth = Math.Max(blockBandwidth, MemoryBandwidth.Measure(bandwidthThreads, passes: 2));
                        }
                    }
                    highestBandwidth = Math.Max(highestBandwidth, blockBandwidth);
                    foreach (var e in engines)
                    {
                        if (o.Prompt > 0)
                            results.Add(Result(e.Name, name, type, t, pp, ppTps[e.Name], null, blockBandwidth));
                        if (o.Generate > 0)
                            results.Add(Result(e.Name, name, type, t, tg, tgTps[e.Name], bytesPerToken, blockBandwidth));
                    }
                    if (engines.Count == 2)
                        foreach (var (test, samples) in new[] { (pp, ppTps), (tg, tgTps) })
                            if (samples["meridian"].Count > 0)
                                ratios.Add(new ModelBenchRatio(type, t, test, samples["meridian"].Average() / samples["llama.cpp"].Average()));
                }
                finally
                {
                    foreach (var e in engines)
                        e.Dispose();
                }
            }
        }
        var machine = MachineInfo.Current() with { MemoryBandwidthGbPerS = highestBandwidth, MemoryBandwidthThreads = bandwidthThreads };
        return new ModelBenchReport(machine, results, ratios) { KvType = o.KvType, Weights = weights };
    }

    private static ModelBenchResult Result(string engine, string model, string type, int threads, string test, List<double> tps, double? bytesPerToken, double bandwidth)
    {
        double mean = tps.Average();
        double sd = tps.Count > 1 ? Math.Sqrt(tps.Sum(x => (x - mean) * (x - mean)) / (tps.Count - 1)) : 0;
        double? gbPerS = bytesPerToken * mean / 1e9;
        return new ModelBenchResult(engine, model, type, threads, test, mean, sd, gbPerS, gbPerS / bandwidth);
    }

    // The cached synthetic file, written on first use (deterministic: shape, type, pure, seed).
    private static string SyntheticPath(string shapeName, string type, bool pure, BenchProgress progress)
    {
        var shape = SyntheticModels.Shapes[shapeName];
        string dir = Path.Combine(Path.GetTempPath(), "meridian-bench");
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, $"{shape.Name}-{type.ToUpperInvariant()}{(pure ? "-pure" : "")}-seed{Seed}-v{SyntheticModels.FormatVersion}.gguf");
        if (!File.Exists(path))
        {
            progress.Status($"writing {path}");
            SyntheticModels.Write(path, shape, type, pure, Seed, tensor => progress.Status($"  {tensor}"));
        }
        return path;
    }

    // Weights read per decoded token: every tensor once, except the embedding table (one row) and the experts of a
    // mixture-of-experts model (3-D *_exps tensors: a token reads its expert_used_count of expert_count experts).
    private static (double Total, double PerToken, string Note) WeightBytesPerToken(string path)
    {
        using var file = GgufFile.Open(path);
        string arch = file.Architecture ?? "";
        double total = 0, perToken = 0, experts = 0;
        bool moe = file.TryGetUInt32($"{arch}.expert_count", out uint count) & file.TryGetUInt32($"{arch}.expert_used_count", out uint used) && count > 0;
        foreach (var t in file.Tensors)
        {
            total += t.ByteSize;
            if (t.Name == "token_embd.weight" && t.Dimensions.Length == 2)
                perToken += (double)t.ByteSize / t.Dimensions[1];
            else if (moe && t.Dimensions.Length == 3 && t.Name.Contains("_exps.", StringComparison.Ordinal))
            {
                experts += t.ByteSize;
                perToken += (double)t.ByteSize * used / count;
            }
            else
                perToken += t.ByteSize;
        }
        string note = moe
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{used} of {count} experts per layer: {experts * used / count / 1e9:F2} of {experts / 1e9:F2} GB of experts")
            : "every weight, one embedding row";
        return (total, perToken, note);
    }

    private static int VocabSize(string path)
    {
        using var file = GgufFile.Open(path);
        return (int)file.GetTensor("token_embd.weight").Dimensions[1];
    }
}
