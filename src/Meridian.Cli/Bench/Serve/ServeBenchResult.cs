// One client count's figures in `meridian bench serve` (a row of the table and of --json's "results").
using System.Text.Json.Serialization;

namespace Meridian.Cli.Bench.Serve;

/// <param name="TokensPerSecond">Generated tokens of the requests that succeeded / wall time from the phase's first send to its last completion.</param>
/// <param name="TtftP50Ms">Time to first token, nearest-rank percentiles over the successful requests, ms.</param>
/// <param name="TpotP50Ms">Time per output token after the first, nearest-rank percentiles over successful requests with 2+ tokens, ms.</param>
/// <param name="SpeedupVs1">TokensPerSecond over the 1-client figure of the same run; null without one (or when that is 0).</param>
internal sealed record ServeBenchResult(
    int Clients, int RequestsOk, int RequestsFailed, double TokensPerSecond,
    double? TtftP50Ms, double? TtftP99Ms, double? TpotP50Ms, double? TpotP99Ms, [property: JsonPropertyName("speedup_vs_1")] double? SpeedupVs1)
{
    /// <summary>What one client got on average: TokensPerSecond / Clients (table only).</summary>
    [JsonIgnore]
    public double TokensPerSecondPerClient => TokensPerSecond / Clients;
}
