// What `bench model --json` prints: the machine, one row per engine × type × threads × test, and
// the ratio Meridian/llama.cpp for each figure measured on both (docs/cli.md, bench/README.md).
namespace Meridian.Bench.Model;

internal sealed record ModelBenchReport(MachineInfo Machine, IReadOnlyList<ModelBenchResult> Results, IReadOnlyList<ModelBenchRatio> Ratios)
{
    /// <summary>The KV cache dtype both engines ran with ("f16", "f32").</summary>
    public string KvType { get; init; } = "f32";

    /// <summary>Per model and type: the weights' bytes and the bytes one generated token reads (GB/s is this × tokens/s).</summary>
    public IReadOnlyList<ModelBenchWeights> Weights { get; init; } = [];
}

/// <summary>
/// bytes: every tensor; bytes_per_token: what decoding one token reads, every tensor once except the embedding table
/// (one row) and, in a mixture-of-experts model, the experts (only the used of experts per layer); note says which.
/// </summary>
internal sealed record ModelBenchWeights(string Model, string Type, double Bytes, double BytesPerToken, string Note);

/// <summary>tokens/s mean and sample stddev over reps; gb_per_s (tg only) = weight bytes read per token × tokens/s;
/// bandwidth_fraction (tg only) = gb_per_s / the machine's memory_bandwidth_gb_per_s.</summary>
internal sealed record ModelBenchResult(
    string Engine, string Model, string Type, int Threads, string Test, double TokensPerSecond, double Stddev, double? GbPerS, double? BandwidthFraction);

internal sealed record ModelBenchRatio(string Type, int Threads, string Test, double MeridianOverLlamacpp);
