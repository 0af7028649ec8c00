// The "Meridian.Server" meter: request, token and latency instruments the endpoints feed, plus gauges read
// from ILlmEngine.GetStats() at every scrape. Exported as Prometheus text on /metrics by OpenTelemetry, which
// appends "_total" to counters and "_seconds" to the histograms (unit "s").
using System.Diagnostics.Metrics;
using Meridian.Engine.Serving;

namespace Meridian.Server.Metrics;

internal sealed class ServerMetrics
{
    public const string MeterName = "Meridian.Server";

    // Latency buckets in seconds: a token takes milliseconds, a first token behind a long queue can take a minute.
    private static readonly double[] SecondsBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private readonly Counter<long> _requests;
    private readonly Counter<long> _promptTokens;
    private readonly Counter<long> _generatedTokens;
    private readonly Histogram<double> _timeToFirstToken;
    private readonly Histogram<double> _timePerOutputToken;

    public ServerMetrics(IMeterFactory meters, ILlmEngine engine)
    {
        var meter = meters.Create(MeterName);
        _requests = meter.CreateCounter<long>("meridian.server.requests", "{request}", "HTTP requests answered, by status code");
        _promptTokens = meter.CreateCounter<long>("meridian.server.prompt_tokens", "{token}", "Prompt tokens of finished generation requests");
        _generatedTokens = meter.CreateCounter<long>("meridian.server.generated_tokens", "{token}", "Tokens generated");
        var advice = new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets };
        _timeToFirstToken = meter.CreateHistogram("meridian.server.time_to_first_token", "s", "From request arrival to its first generated token", advice: advice);
        _timePerOutputToken = meter.CreateHistogram("meridian.server.time_per_output_token", "s", "Mean time between generated tokens after the first, per request", advice: advice);

        meter.CreateObservableGauge("meridian.server.requests_waiting", () => engine.GetStats().Waiting, "{request}", "Requests queued in the engine");
        meter.CreateObservableGauge("meridian.server.requests_running", () => engine.GetStats().Running, "{request}", "Requests in the running batch");
        meter.CreateObservableGauge("meridian.server.kv_blocks_used", () => engine.GetStats().KvBlocksUsed, "{block}", "KV-cache blocks in use");
        meter.CreateObservableGauge("meridian.server.kv_blocks_free", () => engine.GetStats().KvBlocksFree, "{block}", "KV-cache blocks free");
        meter.CreateObservableGauge("meridian.server.prefix_cache_hit_rate", () => engine.GetStats().PrefixHitRate, null, "Share of looked-up prompt tokens found in the prefix cache");
        // Cumulative, so a counter (Prometheus "_total"), observed from the engine's running total.
        meter.CreateObservableCounter("meridian.server.preemptions", () => engine.GetStats().Preemptions, "{preemption}", "Requests preempted to free KV blocks");
        meter.CreateObservableGauge("meridian.server.kv_cache_bytes", () => new Measurement<long>(engine.Model.KvCacheBytes,
            new KeyValuePair<string, object?>("kv_type", engine.Model.KvCacheType)), "By", "Bytes of the KV cache on the device, by its dtype");
        // Ops the model's device lacks that run on the CPU (--allow-fallback): never silent.
        meter.CreateObservableCounter("meridian.server.fallback_ops", () => engine.GetFallbackCounts().Select(c => new Measurement<long>(c.Calls,
            new KeyValuePair<string, object?>("op", c.Op), new KeyValuePair<string, object?>("dtype", c.Type))), "{call}",
            "Op calls run on the fallback device because the model's device does not support them, by op and dtype");
    }

    public void RequestAnswered(int statusCode) => _requests.Add(1, new KeyValuePair<string, object?>("status_code", statusCode));

    /// <summary>One finished generation: token counts and latencies (seconds; time per token only when more than one token came).</summary>
    public void GenerationFinished(int promptTokens, int completionTokens, double? timeToFirstToken, double? timePerOutputToken)
    {
        _promptTokens.Add(promptTokens);
        _generatedTokens.Add(completionTokens);
        if (timeToFirstToken is { } ttft)
            _timeToFirstToken.Record(ttft);
        if (timePerOutputToken is { } tpot)
            _timePerOutputToken.Record(tpot);
    }
}
