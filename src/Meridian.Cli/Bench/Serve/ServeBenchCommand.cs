// `meridian bench serve [--url U] [--api-key K] [--model M] [--clients 1,4,16,64] [--duration 30] [--max-tokens 128]
// [--prompt-words 32] [--endpoint completions|chat] [--seed 1] [--json] [--warmup 1] [--timeout 300]`: drives a
// running OpenAI-compatible server with concurrent streaming clients and reports tokens/s, TTFT and TPOT per
// client count (docs/cli.md). Exit 1 when any request failed, with the first failures on stderr.
using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace Meridian.Cli.Bench.Serve;

internal static class ServeBenchCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var arguments = new ServeBenchArguments();
        var command = new Command("serve", "Load benchmark of a running server: N concurrent streaming clients; tokens/s, time to first token, time per output token");
        arguments.AddTo(command);
        command.SetAction(parse => CliErrors.Run(stderr, () =>
        {
            var (options, error) = arguments.Read(parse);
            if (options is null)
                throw new CliUsageException(error!);
            // Off any caller's synchronization context (tests run commands in process), so blocking here cannot deadlock.
            return Task.Run(() => RunAsync(options, stdout, stderr)).GetAwaiter().GetResult();
        }));
        return command;
    }

    private static async Task<int> RunAsync(ServeBenchOptions options, TextWriter stdout, TextWriter stderr)
    {
        using var http = ServeBenchHttp.Create(options);
        string model = options.Model ?? await ServeBenchHttp.FirstModelAsync(http, options, CancellationToken.None);
        var runner = new ServeBenchRunner(http, options, model, stderr);
        var report = await runner.RunAsync(CancellationToken.None);

        if (options.Json)
            stdout.WriteLine(JsonSerializer.Serialize(report, CliJson.Context.ServeBenchReport));
        else
            ServeBenchTable.Write(stdout, report, options);
        if (runner.Failed == 0)
            return 0;
        foreach (string e in runner.FirstErrors)
            stderr.WriteLine($"  {e}");
        stderr.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"meridian: error: {runner.Failed} of {runner.Sent} requests failed (the first {runner.FirstErrors.Count} above)"));
        return CliErrors.BadInput;
    }
}
