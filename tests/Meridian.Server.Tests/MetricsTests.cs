// /metrics: Prometheus text with the Meridian.Server series, counted from requests this test makes and
// gauges read from the fake engine's stats.
using System.Globalization;
using System.Text.RegularExpressions;
using Meridian.Engine.Serving;

namespace Meridian.Server.Tests;

public sealed class MetricsTests
{
    [SkippableFact]
    public async Task Metrics_AfterRequests_ExposesNamedSeries()
    {
        await using var host = await TestHost.StartAsync();
        host.Engine.Stats = new EngineStats(Waiting: 3, Running: 2, KvBlocksUsed: 10, KvBlocksFree: 90, PrefixQueriedTokens: 8, PrefixHitTokens: 2, Preemptions: 4);
        host.Engine.Run = (r, ct) => host.Engine.Reply(r, "Hello world", ct, delayMs: 5);
        host.Engine.Fallbacks = [new("matmul", "q4_0", 7), new("paged_attention", "f16", 3)];
        await host.PostForJsonAsync("v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        using (var bad = await host.PostJsonAsync("v1/chat/completions", "{\"messages\":[]}"))
            Assert.Equal(400, (int)bad.StatusCode);
        int prompt = host.Engine.Submitted.Single().PromptTokens.Count;
        int generated = host.Engine.Model.Tokenizer.Encode("Hello world").Length;

        // Requests are counted once their response has completed, which can be just after the client has it.
        string text = "";
        for (int attempt = 0; attempt < 50 && !text.Contains("status_code=\"400\"", StringComparison.Ordinal); attempt++)
        {
            await Task.Delay(attempt == 0 ? 0 : 100);
            text = await host.Client.GetStringAsync("metrics");
        }
        Assert.Equal(1, Value(text, "meridian_server_requests_total", "status_code=\"200\""));
        Assert.Equal(1, Value(text, "meridian_server_requests_total", "status_code=\"400\""));
        Assert.Equal(prompt, Value(text, "meridian_server_prompt_tokens_total"));
        Assert.Equal(generated, Value(text, "meridian_server_generated_tokens_total"));
        Assert.Equal(1, Value(text, "meridian_server_time_to_first_token_seconds_count"));
        Assert.Equal(1, Value(text, "meridian_server_time_per_output_token_seconds_count"));
        // The fake waits 5 ms before each token, so the mean gap is at least that.
        double tpotSum = Value(text, "meridian_server_time_per_output_token_seconds_sum");
        Assert.InRange(tpotSum, 0.004, 10);
        Assert.Equal(3, Value(text, "meridian_server_requests_waiting"));
        Assert.Equal(2, Value(text, "meridian_server_requests_running"));
        Assert.Equal(10, Value(text, "meridian_server_kv_blocks_used"));
        Assert.Equal(90, Value(text, "meridian_server_kv_blocks_free"));
        Assert.Equal(0.25, Value(text, "meridian_server_prefix_cache_hit_rate")); // 2 of 8
        Assert.Equal(4, Value(text, "meridian_server_preemptions_total"));
        // Ops run on the CPU because the device lacks them are counted by op and dtype, never silent.
        Assert.Equal(7, Value(text, "meridian_server_fallback_ops_total", "op=\"matmul\""));
        Assert.Equal(3, Value(text, "meridian_server_fallback_ops_total", "op=\"paged_attention\""));
        Assert.Contains("dtype=\"q4_0\"", text);
        Assert.Equal(host.Engine.Model.KvCacheBytes, Value(text, "meridian_server_kv_cache_bytes", $"kv_type=\"{host.Engine.Model.KvCacheType}\""));
    }

    // The value of the one sample of <name> whose labels contain <label> (Prometheus text: name{labels} value [timestamp]).
    private static double Value(string text, string name, string label = "")
    {
        var matches = Regex.Matches(text, "^" + Regex.Escape(name) + @"(\{[^}]*\})? (\S+)", RegexOptions.Multiline)
            .Where(m => m.Groups[1].Value.Contains(label, StringComparison.Ordinal)).ToList();
        Assert.True(matches.Count == 1, $"expected one sample of {name}{{{label}}} in:\n{text}");
        return double.Parse(matches[0].Groups[2].Value, CultureInfo.InvariantCulture);
    }
}
