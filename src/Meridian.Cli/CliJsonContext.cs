// Source-generated JSON for everything the CLI prints with --json (stable snake_case keys).
using System.Text.Json.Serialization;
using Meridian.Cli.Bench.Serve;
using Meridian.Cli.Tokenize;
using Meridian.Formats.Inspection;

namespace Meridian.Cli;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ModelSummary))]
[JsonSerializable(typeof(TokenizeOutput))]
[JsonSerializable(typeof(ServeBenchReport))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
