// What `bench model` (and `meridian bench`, which links this file) was asked to measure, checked before
// anything is loaded or launched.
using Meridian.Models.Synthetic;

namespace Meridian.Bench.Model;

internal sealed record ModelBenchOptions(
    string? Model, string? Synthetic, string[] Types, bool Pure, int Prompt, int Generate, int[] Threads, int Reps, string? Vs,
    bool Json, string? Report)
{
    /// <summary>KV cache dtype of both engines: "f32" (Meridian's default, as run and serve use) or "f16" (llama.cpp's).</summary>
    public string KvType { get; init; } = "f32";

    /// <summary>Meridian's device, as --device names it ("cpu", "cpu:0", "reference").</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>The first problem with the options, or null.</summary>
    public string? Validate()
    {
        if ((Model is null) == (Synthetic is null))
            return "give exactly one of --model PATH and --synthetic SHAPE";
        if (Synthetic is not null && !SyntheticModels.Shapes.ContainsKey(Synthetic))
            return $"unknown --synthetic shape '{Synthetic}'; known: {string.Join(", ", SyntheticModels.Shapes.Keys)}";
        if (Synthetic is not null && Types.Length == 0)
            return "--type needs at least one weight type";
        if (Synthetic is not null && Types.FirstOrDefault(t => !SyntheticModels.IsKnownType(t)) is { } bad)
            return $"unknown --type '{bad}'";
        if (Model is not null && !File.Exists(Model))
            return $"no such file: {Model}";
        if (Prompt < 0 || Generate < 0 || Prompt + Generate == 0)
            return "-p and -n must be non-negative and not both 0";
        if (Reps < 1)
            return "-r must be at least 1";
        if (Threads.Length == 0 || Threads.Any(t => t < 1))
            return "-t needs thread counts of at least 1";
        // Only the backend's name is checked here: opening its devices is the bench's job.
        string backend = Device.Split(':')[0];
        var known = Meridian.Cli.CliBackends.Create().Providers.Select(p => p.Name).ToList();
        if (!known.Contains(backend, StringComparer.OrdinalIgnoreCase))
            return $"--device '{Device}': no backend called '{backend}' (known: {string.Join(", ", known)})";
        if (KvType is not ("f16" or "f32"))
            return $"--kv-type must be f16 or f32, not '{KvType}'";
        if (Vs is not null && Vs != "llama.cpp")
            return $"--vs knows only llama.cpp, not '{Vs}'";
        if (Report is not null && Path.GetDirectoryName(Path.GetFullPath(Report)) is { } dir && !Directory.Exists(dir))
            return $"--report: no such directory: {dir}";
        return null;
    }
}
