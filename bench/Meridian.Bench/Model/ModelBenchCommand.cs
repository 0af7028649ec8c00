// `bench model (--model PATH | --synthetic SHAPE) [--type T,...] [-p 512] [-n 128] [-t N,...] [-r 5] [--vs llama.cpp] [--json] [--report FILE.html]`:
// llama-bench's pp/tg figures for Meridian, and for llama.cpp through LLamaSharp on the same file,
// threads, context and batch, the engines interleaved rep by rep. Results on stdout, progress on stderr.
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Meridian.Formats.Gguf;
using Meridian.Models.Synthetic;

namespace Meridian.Bench.Model;

internal static class ModelBenchCommand
{
    private const int Seed = 1;

    public static Command Create()
    {
        var model = new Option<string?>("--model", "-m") { Description = "A GGUF file to measure" };
        var synthetic = new Option<string?>("--synthetic") { Description = $"Write (once, cached in the temp folder) a random-weight model of this shape: {string.Join(", ", SyntheticModels.Shapes.Keys)}" };
        var types = new Option<string>("--type") { Description = "Weight types of the synthetic model, comma-separated: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K, Q4_K_M", DefaultValueFactory = _ => "Q4_0" };
        var pure = new Option<bool>("--pure") { Description = "Every matrix in the one type (llama-quantize --pure); otherwise output.weight is Q6_K in quantized models" };
        var prompt = new Option<int>("-p") { Description = "Prompt tokens for pp (one prefill)", DefaultValueFactory = _ => 512 };
        var generate = new Option<int>("-n") { Description = "Tokens decoded for tg", DefaultValueFactory = _ => 128 };
        var threads = new Option<string>("-t") { Description = "Thread counts, comma-separated (default: all processors)", DefaultValueFactory = _ => Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture) };
        var reps = new Option<int>("-r") { Description = "Repetitions of each test", DefaultValueFactory = _ => 5 };
        var vs = new Option<string?>("--vs") { Description = "Peer to run interleaved: llama.cpp" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of the table" };
        var html = new Option<string?>("--report") { Description = "Also write a self-contained HTML page with charts of the figures to this file" };
        var command = new Command("model", "Prompt processing and generation tokens/s, Meridian against llama.cpp")
        {
            model, synthetic, types, pure, prompt, generate, threads, reps, vs, json, html,
        };
        command.SetAction(parse =>
        {
            var options = new ModelBenchOptions(
                parse.GetValue(model), parse.GetValue(synthetic),
                parse.GetValue(types)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                parse.GetValue(pure), parse.GetValue(prompt), parse.GetValue(generate),
                parse.GetValue(threads)!.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToArray(),
                parse.GetValue(reps), parse.GetValue(vs));
            if (options.Validate() is { } error)
            {
                Console.Error.WriteLine($"error: {error}");
                return 2;
            }
            var report = Run(options);
            if (parse.GetValue(json))
                Console.Out.WriteLine(JsonSerializer.Serialize(report, BenchJsonContext.Default.ModelBenchReport));
            else
                ModelBenchTable.Write(Console.Out, report);
            if (parse.GetValue(html) is { } reportPath)
            {
                File.WriteAllText(reportPath, ModelBenchHtml.Render(report));
                Progress($"wrote {reportPath}");
            }
            return 0;
        });
        return command;
    }

    private static ModelBenchReport Run(ModelBenchOptions o)
    {
        var results = new List<ModelBenchResult>();
        var ratios = new List<ModelBenchRatio>();
        var models = o.Model is { } path
            ? [(Path.GetFileName(path), "file", path)]
            : o.Types.Select(t => (o.Synthetic!, t.ToUpperInvariant(), SyntheticPath(o.Synthetic!, t, o.Pure))).ToList();
        int capacity = o.Prompt + o.Generate + 16;
        var rng = new Random(Seed);
        foreach (var (name, type, file) in models)
        {
            double bytesPerToken = WeightBytesPerToken(file);
            int vocab = VocabSize(file);
            int[] promptTokens = Enumerable.Range(0, o.Prompt).Select(_ => rng.Next(3, vocab)).ToArray();
            int[] decodeTokens = Enumerable.Range(0, o.Generate).Select(_ => rng.Next(3, vocab)).ToArray();
            foreach (int t in o.Threads)
            {
                var engines = new List<IModelEngine>();
                try
                {
                    Progress($"{name} {type} t={t}: loading meridian");
                    engines.Add(new MeridianModelEngine(file, t, capacity));
                    if (o.Vs is not null)
                    {
                        Progress($"{name} {type} t={t}: loading llama.cpp");
                        engines.Add(new LlamaCppModelEngine(file, t, capacity, Math.Max(1, o.Prompt)));
                    }
                    // One untimed full run each first (llama-bench does the same): JIT tiers, page cache, thread pools.
                    foreach (var e in engines)
                    {
                        Progress($"{name} {type} t={t}: warm-up {e.Name}");
                        if (o.Prompt > 0)
                            e.Prefill(promptTokens);
                        if (o.Generate > 0)
                            e.Decode(decodeTokens);
                    }
                    var pp = engines.ToDictionary(e => e.Name, _ => new List<double>());
                    var tg = engines.ToDictionary(e => e.Name, _ => new List<double>());
                    for (int r = 0; r < o.Reps; r++)
                    {
                        foreach (var e in engines)
                        {
                            Progress($"{name} {type} t={t} rep {r + 1}/{o.Reps}: {e.Name} pp{o.Prompt}, tg{o.Generate}");
                            if (o.Prompt > 0)
                                pp[e.Name].Add(o.Prompt / e.Prefill(promptTokens));
                            if (o.Generate > 0)
                                tg[e.Name].Add(o.Generate / e.Decode(decodeTokens));
                        }
                    }
                    foreach (var e in engines)
                    {
                        if (o.Prompt > 0)
                            results.Add(Result(e.Name, name, type, t, $"pp{o.Prompt}", pp[e.Name], null));
                        if (o.Generate > 0)
                            results.Add(Result(e.Name, name, type, t, $"tg{o.Generate}", tg[e.Name], bytesPerToken));
                    }
                    if (engines.Count == 2)
                        foreach (var (test, samples) in new[] { ($"pp{o.Prompt}", pp), ($"tg{o.Generate}", tg) })
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
        return new ModelBenchReport(MachineInfo.Current(), results, ratios);
    }

    private static ModelBenchResult Result(string engine, string model, string type, int threads, string test, List<double> tps, double? bytesPerToken)
    {
        double mean = tps.Average();
        double sd = tps.Count > 1 ? Math.Sqrt(tps.Sum(x => (x - mean) * (x - mean)) / (tps.Count - 1)) : 0;
        return new ModelBenchResult(engine, model, type, threads, test, mean, sd, bytesPerToken * mean / 1e9);
    }

    // The cached synthetic file, written on first use (deterministic: shape, type, pure, seed).
    private static string SyntheticPath(string shapeName, string type, bool pure)
    {
        var shape = SyntheticModels.Shapes[shapeName];
        string dir = Path.Combine(Path.GetTempPath(), "meridian-bench");
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, $"{shape.Name}-{type.ToUpperInvariant()}{(pure ? "-pure" : "")}-seed{Seed}.gguf");
        if (!File.Exists(path))
        {
            Progress($"writing {path}");
            SyntheticModels.Write(path, shape, type, pure, Seed, tensor => Progress($"  {tensor}"));
        }
        return path;
    }

    // Weights read per decoded token: every tensor once, except the embedding table (one row).
    private static double WeightBytesPerToken(string path)
    {
        using var file = GgufFile.Open(path);
        double total = 0;
        foreach (var t in file.Tensors)
            total += t.Name == "token_embd.weight" && t.Dimensions.Length == 2 ? (double)t.ByteSize / t.Dimensions[1] : t.ByteSize;
        return total;
    }

    private static int VocabSize(string path)
    {
        using var file = GgufFile.Open(path);
        return (int)file.GetTensor("token_embd.weight").Dimensions[1];
    }

    private static void Progress(string message) => Console.Error.WriteLine(message);
}
