// The load generator of `meridian bench serve`: per client count N, N concurrent clients send streaming requests
// back to back until the deadline (in-flight ones finish and count), each with its own prompt (BenchPrompts) so the
// prefix cache cannot help; then the samples are summarized. A client pauses briefly after a failure (FailurePause).
using System.Diagnostics;
using System.Globalization;

namespace Meridian.Cli.Bench.Serve;

internal sealed class ServeBenchRunner(HttpClient http, ServeBenchOptions options, string model, TextWriter progress)
{
    /// <summary>How many failure messages are kept (the first ones of the run).</summary>
    public const int KeptErrors = 5;

    /// <summary>A client pauses this long after a failed request, so a server that refuses at once is not hammered in a tight loop.</summary>
    public static readonly TimeSpan FailurePause = TimeSpan.FromMilliseconds(100);

    private readonly List<string> _errors = [];
    private long _nextIndex;
    private int _failed;
    private int _sent;

    /// <summary>The first <see cref="KeptErrors"/> failures of the measured phases, each with its client count and request index.</summary>
    public IReadOnlyList<string> FirstErrors => _errors;

    /// <summary>Failed requests over all measured phases.</summary>
    public int Failed => _failed;

    /// <summary>Requests sent in the measured phases.</summary>
    public int Sent => _sent;

    /// <summary>Warm-up, then every client count of the options in order.</summary>
    public async Task<ServeBenchReport> RunAsync(CancellationToken cancel)
    {
        await WarmUpAsync(cancel);
        var results = new List<ServeBenchResult>();
        foreach (int clients in options.Clients)
        {
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"clients={clients}: running for {options.DurationSeconds:0.###} s"));
            var samples = await RunPhaseAsync(clients, cancel);
            var result = Summarize(clients, samples);
            results.Add(result);
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"clients={clients}: {result.RequestsOk} ok, {result.RequestsFailed} failed, {result.TokensPerSecond:F1} tokens/s"));
        }
        return new ServeBenchReport(options.Url.AbsoluteUri, model, options.Endpoint, options.MaxTokens, WithSpeedup(results));
    }

    /// <summary>Sends --warmup requests one by one, untimed; the first failure stops the run with its reason.</summary>
    public async Task WarmUpAsync(CancellationToken cancel)
    {
        for (int i = 0; i < options.Warmup; i++)
        {
            progress.WriteLine($"warm-up request {i + 1}/{options.Warmup}");
            var (_, sample) = await SendOneAsync(cancel);
            if (sample.Error is { } error)
                throw new CliUsageException($"warm-up request to {options.Resolve(options.EndpointPath)} failed: {error}");
        }
    }

    /// <summary>One phase: <paramref name="clients"/> concurrent clients for --duration seconds; every request's sample.</summary>
    public async Task<IReadOnlyList<RequestSample>> RunPhaseAsync(int clients, CancellationToken cancel)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(options.DurationSeconds * Stopwatch.Frequency);
        var loops = new Task<List<RequestSample>>[clients];
        for (int c = 0; c < clients; c++)
        {
            loops[c] = Task.Run(async () =>
            {
                var samples = new List<RequestSample>();
                while (Stopwatch.GetTimestamp() < deadline)
                {
                    var (index, sample) = await SendOneAsync(cancel);
                    samples.Add(sample);
                    Interlocked.Increment(ref _sent);
                    if (sample.Error is { } error)
                    {
                        Fail($"clients={clients} request {index}: {error}");
                        await Task.Delay(FailurePause, cancel);
                    }
                }
                return samples;
            }, cancel);
        }
        var all = await Task.WhenAll(loops);
        return [.. all.SelectMany(s => s)];
    }

    /// <summary>A phase's figures from its samples (definitions on <see cref="ServeBenchResult"/>); SpeedupVs1 is left null.</summary>
    public static ServeBenchResult Summarize(int clients, IReadOnlyList<RequestSample> samples)
    {
        var ok = samples.Where(s => s.Ok).ToList();
        double tokensPerSecond = 0;
        if (samples.Count > 0)
        {
            double wall = RequestSample.Milliseconds(samples.Min(s => s.SentAt), samples.Max(s => s.EndedAt)) / 1000;
            tokensPerSecond = wall > 0 ? ok.Sum(s => (long)s.Tokens) / wall : 0;
        }
        double[] ttft = [.. ok.Select(s => s.TtftMs).OfType<double>()];
        double[] tpot = [.. ok.Select(s => s.TpotMs).OfType<double>()];
        return new ServeBenchResult(clients, ok.Count, samples.Count - ok.Count, tokensPerSecond,
            NearestRank.Percentile(ttft, 50), NearestRank.Percentile(ttft, 99),
            NearestRank.Percentile(tpot, 50), NearestRank.Percentile(tpot, 99), SpeedupVs1: null);
    }

    /// <summary>Each result's tokens/s over the (first) 1-client result's, where there is one with tokens/s above 0.</summary>
    public static IReadOnlyList<ServeBenchResult> WithSpeedup(IReadOnlyList<ServeBenchResult> results)
    {
        double? one = results.FirstOrDefault(r => r.Clients == 1)?.TokensPerSecond;
        return [.. results.Select(r => r with { SpeedupVs1 = one > 0 ? r.TokensPerSecond / one : null })];
    }

    private async Task<(long Index, RequestSample Sample)> SendOneAsync(CancellationToken cancel)
    {
        long index = Interlocked.Increment(ref _nextIndex) - 1;
        string prompt = BenchPrompts.Make(options.Seed, index, options.PromptWords);
        byte[] body = ServeRequestBody.Write(model, prompt, options.MaxTokens, options.Seed, options.Chat);
        var sample = await StreamingRequest.SendAsync(http, options.Resolve(options.EndpointPath), body, options.Chat,
            TimeSpan.FromSeconds(options.TimeoutSeconds), cancel);
        return (index, sample);
    }

    private void Fail(string message)
    {
        lock (_errors)
        {
            _failed++;
            if (_errors.Count < KeptErrors)
                _errors.Add(message);
        }
    }
}
