// Everything `meridian bench serve` measured: what --json prints, and what the table is made from.
namespace Meridian.Cli.Bench.Serve;

/// <param name="Endpoint">"completions" or "chat".</param>
internal sealed record ServeBenchReport(string Url, string Model, string Endpoint, int MaxTokens, IReadOnlyList<ServeBenchResult> Results);
