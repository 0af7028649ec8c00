// The options of `bench model`, declared once for both programs that take them: the bench itself and
// `meridian bench` (src/Meridian.Cli links this file and ModelBenchOptions.cs, since the CLI may not
// reference the bench project and its LLamaSharp). ToArgs turns parsed options back into the bench's argv.
using System.CommandLine;
using System.Globalization;
using Meridian.Models.Synthetic;

namespace Meridian.Bench.Model;

internal sealed class ModelBenchArguments
{
    private readonly Option<string?> _model = new("--model", "-m") { Description = "A GGUF file to measure" };
    private readonly Option<string?> _synthetic = new("--synthetic") { Description = $"Write (once, cached in the temp folder) a random-weight model of this shape: {string.Join(", ", SyntheticModels.Shapes.Keys)}" };
    private readonly Option<string> _types = new("--type") { Description = "Weight types of the synthetic model, comma-separated: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K, Q4_K_M", DefaultValueFactory = _ => "Q4_0" };
    private readonly Option<bool> _pure = new("--pure") { Description = "Every matrix in the one type (llama-quantize --pure); otherwise output.weight is Q6_K in quantized models" };
    private readonly Option<int> _prompt = new("-p") { Description = "Prompt tokens for pp (one prefill)", DefaultValueFactory = _ => 512 };
    private readonly Option<int> _generate = new("-n") { Description = "Tokens decoded for tg", DefaultValueFactory = _ => 128 };
    private readonly Option<string> _threads = new("-t") { Description = "Thread counts, comma-separated (default: all processors)", DefaultValueFactory = _ => Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture) };
    private readonly Option<int> _reps = new("-r") { Description = "Repetitions of each test", DefaultValueFactory = _ => 5 };
    private readonly Option<string> _device = new("--device") { Description = "Meridian's device: BACKEND or BACKEND:INDEX (see `meridian devices`)", DefaultValueFactory = _ => "cpu" };
    private readonly Option<string> _kvType = new("--kv-type") { Description = "KV cache dtype of both engines: f32 (Meridian's default) or f16 (llama.cpp's)", DefaultValueFactory = _ => "f32" };
    private readonly Option<string?> _vs = new("--vs") { Description = "Peer to run interleaved: llama.cpp" };
    private readonly Option<bool> _json = new("--json") { Description = "Print one JSON object instead of the table" };
    private readonly Option<string?> _report = new("--report") { Description = "Also write a self-contained HTML page with charts of the figures to this file" };

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { _model, _synthetic, _types, _pure, _prompt, _generate, _threads, _reps, _device, _kvType, _vs, _json, _report })
            command.Options.Add(option);
    }

    /// <summary>The options as given, or the first problem with them (<see cref="ModelBenchOptions.Validate"/>).</summary>
    public (ModelBenchOptions? Options, string? Error) Read(ParseResult parse)
    {
        var threads = new List<int>();
        foreach (string t in parse.GetValue(_threads)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out int n))
                return (null, $"-t wants comma-separated thread counts, got '{t}'");
            threads.Add(n);
        }
        var options = new ModelBenchOptions(
            parse.GetValue(_model), parse.GetValue(_synthetic),
            parse.GetValue(_types)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            parse.GetValue(_pure), parse.GetValue(_prompt), parse.GetValue(_generate), threads.ToArray(),
            parse.GetValue(_reps), parse.GetValue(_vs), parse.GetValue(_json), parse.GetValue(_report))
        {
            KvType = parse.GetValue(_kvType)!.ToLowerInvariant(),
            Device = parse.GetValue(_device)!,
        };
        return options.Validate() is { } error ? (null, error) : (options, null);
    }

    /// <summary>`bench model`'s arguments for <paramref name="o"/>, every value spelled out (no defaults left to the child).</summary>
    public static List<string> ToArgs(ModelBenchOptions o)
    {
        var args = new List<string>();
        if (o.Model is { } model)
            args.AddRange(["--model", model]);
        else
            args.AddRange(["--synthetic", o.Synthetic!, "--type", string.Join(',', o.Types)]);
        if (o.Pure)
            args.Add("--pure");
        args.AddRange([
            "-p", o.Prompt.ToString(CultureInfo.InvariantCulture), "-n", o.Generate.ToString(CultureInfo.InvariantCulture),
            "-t", string.Join(',', o.Threads.Select(t => t.ToString(CultureInfo.InvariantCulture))),
            "-r", o.Reps.ToString(CultureInfo.InvariantCulture), "--device", o.Device, "--kv-type", o.KvType]);
        if (o.Vs is { } vs)
            args.AddRange(["--vs", vs]);
        if (o.Json)
            args.Add("--json");
        if (o.Report is { } report)
            args.AddRange(["--report", report]);
        return args;
    }
}
