// One streamed request of `meridian bench serve` against the fake server: token counts from the usage chunk or
// the chunks, TTFT/TPOT against the server's scripted delays (generous bounds: lower bounds are the delays
// themselves, upper bounds allow a loaded machine), and every failure the server can script.
using Meridian.Cli.Bench.Serve;

namespace Meridian.Cli.Tests.Bench.Serve;

[Collection(ServeBenchTimingCollection.Name)]
public sealed class StreamingRequestTests
{
    // Slack for scheduling on a loaded 2-core machine; a correct client is never early, only late.
    private const double LateMs = 1500;

    [Fact]
    public async Task Send_UsageChunk_TokensFromUsageNotChunks()
    {
        // 3 chunks but usage says 7 (a chunk may carry several tokens): usage wins.
        using var server = new FakeOpenAiServer(_ => new FakeStream(3, UsageTokens: 7));

        var s = await SendAsync(server);

        Assert.Null(s.Error);
        Assert.Equal(7, s.Tokens);
    }

    [Fact]
    public async Task Send_NoUsageChunk_TokensCountedFromChunks()
    {
        using var server = new FakeOpenAiServer(_ => new FakeStream(4));

        var s = await SendAsync(server);

        Assert.Null(s.Error);
        Assert.Equal(4, s.Tokens);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // chat: the empty role chunk sent at once must not count as the first token
    public async Task Send_ScriptedDelays_TtftAndTpotNearScript(bool chat)
    {
        // First text after 300 ms, then 5 more 60 ms apart: TTFT ≈ 300 ms, TPOT = (5 × 60) / (6 − 1) = 60 ms.
        using var server = new FakeOpenAiServer(_ => new FakeStream(6, FirstDelayMs: 300, GapMs: 60, UsageTokens: 6));

        var s = await SendAsync(server, chat);

        Assert.Null(s.Error);
        Assert.Equal(6, s.Tokens);
        Assert.InRange(s.TtftMs!.Value, 300 - 5, 300 + LateMs);
        // The first token's read may be late by scheduling, which shortens (last − first); allow 20% under.
        Assert.InRange(s.TpotMs!.Value, 60 * 0.8, 60 + LateMs / 5);
    }

    [Fact]
    public async Task Send_OneToken_NoTpot()
    {
        using var server = new FakeOpenAiServer(_ => FakeStream.Quick(1));

        var s = await SendAsync(server);

        Assert.Null(s.Error);
        Assert.Equal(1, s.Tokens);
        Assert.NotNull(s.TtftMs);
        Assert.Null(s.TpotMs); // (last − first) / (1 − 1) is undefined
    }

    [Theory]
    [InlineData("Cut", "after 2 chunks")]
    [InlineData("NoDone", "the stream ended without 'data: [DONE]' after 4 chunks")]
    [InlineData("Malformed", "malformed chunk")]
    [InlineData("ErrorChunk", "error chunk: scripted mid-stream failure")]
    [InlineData("NotSse", "malformed stream: expected 'data: ...' lines, got 'hello there'")]
    public async Task Send_BrokenStream_FailsWithReason(string ending, string reason)
    {
        using var server = new FakeOpenAiServer(_ => new FakeStream(4, Ending: Enum.Parse<FakeStream.End>(ending)));

        var s = await SendAsync(server);

        Assert.False(s.Ok);
        Assert.Contains(reason, s.Error);
    }

    [Fact]
    public async Task Send_Status500_FailsWithStatusAndServerMessage()
    {
        using var server = new FakeOpenAiServer(_ => new FakeStream(4, Status: 500));

        var s = await SendAsync(server);

        Assert.False(s.Ok);
        Assert.StartsWith("HTTP 500 Internal Server Error: ", s.Error);
        Assert.Contains("scripted failure", s.Error);
        Assert.Null(s.TtftMs);
    }

    [Fact]
    public async Task Send_ServerStalls_FailsAtTimeout()
    {
        using var server = new FakeOpenAiServer(_ => new FakeStream(2, FirstDelayMs: 10_000));
        var started = System.Diagnostics.Stopwatch.StartNew();

        var s = await SendAsync(server, timeoutSeconds: 0.3);

        Assert.Equal("no complete response within 0.3 s", s.Error);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"took {started.Elapsed}"); // it gave up, not waited for the server
    }

    [Fact]
    public async Task Send_NothingListening_FailsWithConnectionError()
    {
        using var http = new HttpClient();
        var url = new Uri($"http://127.0.0.1:{FakeOpenAiServer.FreePort()}/v1/completions");

        var s = await StreamingRequest.SendAsync(http, url, ServeRequestBody.Write("m", "p", 4, 1, chat: false), chat: false,
            TimeSpan.FromSeconds(10), CancellationToken.None);

        Assert.StartsWith("HttpRequestException: ", s.Error);
    }

    [Fact]
    public async Task Send_Body_AsTheProtocolWants()
    {
        using var server = new FakeOpenAiServer(_ => FakeStream.Quick(2));

        await SendAsync(server, chat: true);

        var (path, body) = Assert.Single(server.Requests);
        Assert.Equal("/v1/chat/completions", path);
        Assert.Equal(
            """{"model":"fake-model","messages":[{"role":"user","content":"three little words"}],"max_tokens":8,"temperature":0,"seed":5,"ignore_eos":true,"stream":true,"stream_options":{"include_usage":true}}""",
            body.GetRawText());
    }

    private static async Task<RequestSample> SendAsync(FakeOpenAiServer server, bool chat = false, double timeoutSeconds = 30)
    {
        using var http = new HttpClient();
        byte[] body = ServeRequestBody.Write(FakeOpenAiServer.ModelName, "three little words", maxTokens: 8, seed: 5, chat);
        var url = new Uri(server.Url + (chat ? "/v1/chat/completions" : "/v1/completions"));
        return await StreamingRequest.SendAsync(http, url, body, chat, TimeSpan.FromSeconds(timeoutSeconds), CancellationToken.None);
    }
}
