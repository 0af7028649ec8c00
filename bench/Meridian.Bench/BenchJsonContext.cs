// Source-generated JSON for what the benchmarks print with --json (stable snake_case keys).
using System.Text.Json.Serialization;
using Meridian.Bench.Tokenize;

namespace Meridian.Bench;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(TokenizeBenchReport))]
[JsonSerializable(typeof(Meridian.Bench.Model.ModelBenchReport))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;
