// `meridian bench serve` end to end against the fake server: the documented JSON and table (docs/cli.md), what
// the server was sent, failures counted with exit 1, and bad flags or an unreachable server as one error line.
using System.Text.Json;

namespace Meridian.Cli.Tests.Bench.Serve;

[Collection(ServeBenchTimingCollection.Name)]
public sealed class ServeBenchCommandTests
{
    [Theory]
    [InlineData("--clients wants comma-separated client counts of at least 1, got '0'", "--clients", "0")]
    [InlineData("--clients wants comma-separated client counts of at least 1, got 'x'", "--clients", "1,x")]
    [InlineData("--clients wants comma-separated client counts of at least 1, got ''", "--clients", "1,,4")]
    [InlineData("--duration must be a positive number of seconds, got -1", "--duration", "-1")]
    [InlineData("--duration must be a positive number of seconds, got 0", "--duration", "0")]
    [InlineData("--url wants an absolute http:// or https:// URL, got 'localhost:8080'", "--url", "localhost:8080")]
    [InlineData("--url wants an absolute http:// or https:// URL, got 'ftp://127.0.0.1/'", "--url", "ftp://127.0.0.1/")]
    [InlineData("--url wants an absolute http:// or https:// URL, got 'not a url'", "--url", "not a url")]
    [InlineData("--max-tokens must be at least 1, got 0", "--max-tokens", "0")]
    [InlineData("--prompt-words must be at least 1, got 0", "--prompt-words", "0")]
    [InlineData("--endpoint is completions or chat, not 'embeddings'", "--endpoint", "embeddings")]
    [InlineData("--warmup must be 0 or more, got -1", "--warmup", "-1")]
    [InlineData("--timeout must be a positive number of seconds, got 0", "--timeout", "0")]
    public void BenchServe_BadFlag_OneErrorLineNamingIt(string expected, params string[] args)
    {
        var r = CliRunner.Run(["bench", "serve", .. args]);

        Assert.Equal(CliAssert.ErrorPrefix + expected, CliAssert.OneErrorLine(r));
    }

    [Fact]
    public void BenchServe_NothingListening_OneErrorLineNamingTheUrl()
    {
        string url = $"http://127.0.0.1:{FakeOpenAiServer.FreePort()}";

        var r = CliRunner.Run("bench", "serve", "--url", url, "--clients", "1", "--duration", "0.2");

        string line = CliAssert.OneErrorLine(r);
        Assert.StartsWith($"{CliAssert.ErrorPrefix}could not reach {url}/v1/models: ", line);
        Assert.Contains("is the server running", line);
    }

    [Fact]
    public void BenchServe_WarmupFails_OneErrorLineWithTheReason()
    {
        using var server = new FakeOpenAiServer(_ => new FakeStream(4, Status: 500));

        var r = CliRunner.Run("bench", "serve", "--url", server.Url, "--clients", "1", "--duration", "0.2");

        Assert.Equal(1, r.ExitCode);
        Assert.Equal("", r.Stdout);
        // The progress line, then the error.
        Assert.Equal(["warm-up request 1/1",
            $"{CliAssert.ErrorPrefix}warm-up request to {server.Url}/v1/completions failed: HTTP 500 Internal Server Error: " +
            """{"error":{"message":"scripted failure","type":"server_error"}}"""], r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void BenchServe_OneAndTwoClients_JsonAsDocumentedAndScalesOnAParallelServer()
    {
        // Each request: first text after 20 ms, 3 more 20 ms apart, so it lasts at least 80 ms and a client
        // gets at most 4 tokens / 0.08 s = 50 tokens/s. The fake serves requests in parallel, so two clients get ~2x.
        using var server = new FakeOpenAiServer(_ => new FakeStream(4, FirstDelayMs: 20, GapMs: 20, UsageTokens: 4));

        var r = CliRunner.Run("bench", "serve", "--url", server.Url, "--clients", "1,2", "--duration", "1",
            "--max-tokens", "4", "--prompt-words", "8", "--seed", "3", "--json");

        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}; stderr: {r.Stderr}");
        Assert.Contains("clients=2: running for 1 s", r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        var root = doc.RootElement;
        Assert.Equal(["url", "model", "endpoint", "max_tokens", "results"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(server.Url + "/", root.GetProperty("url").GetString());
        Assert.Equal(FakeOpenAiServer.ModelName, root.GetProperty("model").GetString()); // from GET /v1/models
        Assert.Equal("completions", root.GetProperty("endpoint").GetString());
        Assert.Equal(4, root.GetProperty("max_tokens").GetInt32());

        var rows = root.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal([1, 2], rows.Select(x => x.GetProperty("clients").GetInt32()));
        int ok = 0;
        foreach (var row in rows)
        {
            Assert.Equal(["clients", "requests_ok", "requests_failed", "tokens_per_second", "ttft_p50_ms", "ttft_p99_ms",
                "tpot_p50_ms", "tpot_p99_ms", "speedup_vs_1"], row.EnumerateObject().Select(p => p.Name));
            int clients = row.GetProperty("clients").GetInt32();
            Assert.Equal(0, row.GetProperty("requests_failed").GetInt32());
            Assert.InRange(row.GetProperty("requests_ok").GetInt32(), clients, 1000);
            ok += row.GetProperty("requests_ok").GetInt32();
            Assert.InRange(row.GetProperty("tokens_per_second").GetDouble(), 1, 50 * clients * 1.05);
            Assert.InRange(row.GetProperty("ttft_p50_ms").GetDouble(), 19, 2000);
            Assert.True(row.GetProperty("ttft_p99_ms").GetDouble() >= row.GetProperty("ttft_p50_ms").GetDouble());
            Assert.InRange(row.GetProperty("tpot_p50_ms").GetDouble(), 20 * 0.8, 1000);
            Assert.True(row.GetProperty("tpot_p99_ms").GetDouble() >= row.GetProperty("tpot_p50_ms").GetDouble());
        }
        Assert.Equal(1.0, rows[0].GetProperty("speedup_vs_1").GetDouble());
        Assert.True(rows[1].GetProperty("speedup_vs_1").GetDouble() is >= 1.2 and <= 2.8, r.Stdout + r.Stderr);

        // The server saw the warm-up and every measured request, each greedy, streamed, with its own prompt.
        var bodies = server.Requests.Select(x => x.Body).ToList();
        Assert.Equal(1 + ok, bodies.Count);
        Assert.All(server.Requests, x => Assert.Equal("/v1/completions", x.Path));
        Assert.Equal(bodies.Count, bodies.Select(b => b.GetProperty("prompt").GetString()).Distinct().Count());
        Assert.All(bodies, b =>
        {
            Assert.Equal(FakeOpenAiServer.ModelName, b.GetProperty("model").GetString());
            Assert.Equal(4, b.GetProperty("max_tokens").GetInt32());
            Assert.Equal(0, b.GetProperty("temperature").GetDouble());
            Assert.True(b.GetProperty("ignore_eos").GetBoolean());
            Assert.True(b.GetProperty("stream").GetBoolean());
            Assert.True(b.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
            Assert.Equal(8, b.GetProperty("prompt").GetString()!.Split(' ').Length);
        });
    }

    [Fact]
    public void BenchServe_Table_SaysPromptsAreDistinct()
    {
        using var server = new FakeOpenAiServer(_ => FakeStream.Quick(3));

        var r = CliRunner.Run("bench", "serve", "--url", server.Url, "--model", "given", "--endpoint", "chat",
            "--clients", "2", "--duration", "0.3", "--warmup", "0");

        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}; stderr: {r.Stderr}");
        string[] lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith($"{server.Url}/ model given, /v1/chat/completions streamed", lines[0]);
        Assert.Contains("every prompt distinct (32 words from seed 1 and the request index)", lines[0]);
        Assert.StartsWith("| clients |     ok | failed |  tokens/s |", lines[1]);
        Assert.StartsWith("|       2 |", lines[3]);
        Assert.Equal(4, lines.Length);
        Assert.All(server.Requests, x => Assert.Equal("given", x.Body.GetProperty("model").GetString()));
        Assert.All(server.Requests, x => Assert.Equal("/v1/chat/completions", x.Path));
    }

    [Fact]
    public void BenchServe_SomeRequestsFail_CountedAndExit1WithTheErrors()
    {
        // Request 1 (warm-up) and every odd request stream; even ones get 500. The stream of request 3 is cut.
        using var server = new FakeOpenAiServer(n => n % 2 == 0 ? new FakeStream(4, Status: 500)
            : n == 3 ? new FakeStream(4, GapMs: 5, Ending: FakeStream.End.Cut) : FakeStream.Quick(4));

        var r = CliRunner.Run("bench", "serve", "--url", server.Url, "--clients", "1", "--duration", "0.5", "--json");

        Assert.Equal(1, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout); // the figures are still printed
        var row = Assert.Single(doc.RootElement.GetProperty("results").EnumerateArray().ToList());
        int failed = row.GetProperty("requests_failed").GetInt32();
        int ok = row.GetProperty("requests_ok").GetInt32();
        Assert.True(failed >= 2, r.Stdout); // request 2 (500) and 3 (cut) at least
        Assert.Equal(server.Requests.Count - 1, ok + failed);
        Assert.Contains("  clients=1 request 1: HTTP 500 Internal Server Error: ", r.Stderr); // request indices count from 0 (the warm-up)
        Assert.True(r.Stderr.Contains("  clients=1 request 2: the stream ended without 'data: [DONE]' after 2 chunks"), r.Stderr);
        Assert.EndsWith($"meridian: error: {failed} of {ok + failed} requests failed (the first {Math.Min(failed, 5)} above)\n", r.Stderr);
    }
}
