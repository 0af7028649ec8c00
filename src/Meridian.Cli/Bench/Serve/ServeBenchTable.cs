// The `meridian bench serve` table (markdown, as `meridian bench`'s): a line saying what was sent, then one row
// per client count.
using System.Globalization;

namespace Meridian.Cli.Bench.Serve;

internal static class ServeBenchTable
{
    public static void Write(TextWriter output, ServeBenchReport report, ServeBenchOptions options)
    {
        output.WriteLine(Header(report, options));
        output.WriteLine();
        output.WriteLine($"| {"clients",7} | {"ok",6} | {"failed",6} | {"tokens/s",9} | {"t/s per client",14} | {"TTFT p50 ms",11} | {"TTFT p99 ms",11} | {"TPOT p50 ms",11} | {"TPOT p99 ms",11} | {"vs 1 client",11} |");
        output.WriteLine("|---------|--------|--------|-----------|----------------|-------------|-------------|-------------|-------------|-------------|");
        foreach (var r in report.Results)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Clients,7} | {r.RequestsOk,6} | {r.RequestsFailed,6} | {r.TokensPerSecond,9:F1} | {r.TokensPerSecondPerClient,14:F1} | {Fixed(r.TtftP50Ms, "F1"),11} | {Fixed(r.TtftP99Ms, "F1"),11} | {Fixed(r.TpotP50Ms, "F1"),11} | {Fixed(r.TpotP99Ms, "F1"),11} | {Fixed(r.SpeedupVs1, "F2"),11} |"));
    }

    /// <summary>One line: where, what and how the requests were sent, and that every prompt is distinct.</summary>
    public static string Header(ServeBenchReport report, ServeBenchOptions options)
    {
        string prefix = options.Chat ? " beyond the chat template's shared opening" : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"{report.Url} model {report.Model}, {options.EndpointPath} streamed, max_tokens {report.MaxTokens} with ignore_eos, temperature 0; " +
            $"{options.DurationSeconds:0.###} s per client count; every prompt distinct ({options.PromptWords} words from seed {options.Seed} " +
            $"and the request index), so the prefix cache serves none of it{prefix}");
    }

    private static string Fixed(double? x, string format) => x is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "";
}
