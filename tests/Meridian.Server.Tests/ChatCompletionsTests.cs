// /v1/chat/completions against the fake engine: response and SSE shapes byte for byte, usage, n, logprobs,
// the mapping onto SamplingOptions, and cancellation when the client goes away or time runs out.
using System.Net;
using System.Text;
using System.Text.Json;
using Meridian.Engine.Serving;

namespace Meridian.Server.Tests;

public sealed class ChatCompletionsTests
{
    private const string Chat = "v1/chat/completions";
    private const string Hi = "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]";

    [SkippableFact]
    public async Task NonStreaming_ReplyAndUsage_MatchScript()
    {
        await using var host = await TestHost.StartAsync();
        host.Engine.Run = (r, ct) => host.Engine.Reply(r, "Hello world", ct, cachedPromptTokens: 3);
        var json = await host.PostForJsonAsync(Chat, "{\"model\":\"meridian-demo\"," + Hi + "}");
        int promptTokens = host.Engine.Submitted.Single().PromptTokens.Count;
        int replyTokens = host.Engine.Model.Tokenizer.Encode("Hello world").Length;

        Assert.StartsWith("chatcmpl-", json.GetProperty("id").GetString());
        Assert.Equal("chat.completion", json.GetProperty("object").GetString());
        Assert.Equal("meridian-demo", json.GetProperty("model").GetString());
        Assert.InRange(json.GetProperty("created").GetInt64(), DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        var choice = json.GetProperty("choices").EnumerateArray().Single();
        Assert.Equal(0, choice.GetProperty("index").GetInt32());
        Assert.Equal("assistant", choice.GetProperty("message").GetProperty("role").GetString());
        Assert.Equal("Hello world", choice.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("logprobs").ValueKind);
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        var usage = json.GetProperty("usage");
        Assert.Equal(promptTokens, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(replyTokens, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(promptTokens + replyTokens, usage.GetProperty("total_tokens").GetInt32());
        Assert.Equal(3, usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
    }

    [SkippableFact]
    public async Task NonStreaming_MaxTokensReached_FinishReasonLength()
    {
        await using var host = await TestHost.StartAsync();
        var json = await host.PostForJsonAsync(Chat, "{" + Hi + ",\"max_tokens\":1}");
        var choice = json.GetProperty("choices")[0];
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(1, json.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [SkippableFact]
    public async Task Request_AllSamplingFields_MapOntoSamplingOptions()
    {
        await using var host = await TestHost.StartAsync();
        await host.PostForJsonAsync(Chat, "{\"messages\":[{\"role\":\"developer\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Gen\"},{\"type\":\"text\",\"text\":\"esis\"}]}]," +
            "\"temperature\":0.5,\"top_p\":0.9,\"presence_penalty\":0.5,\"frequency_penalty\":-0.5,\"logit_bias\":{\"5\":-100,\"7\":2.5}," +
            "\"max_tokens\":100,\"max_completion_tokens\":8,\"stop\":[\"\\n\",\"END\"],\"seed\":7,\"user\":\"someone\"}");
        var submitted = host.Engine.Submitted.Single();
        var s = submitted.Sampling;
        Assert.Equal(0.5f, s.Temperature);
        Assert.Equal(0.9f, s.TopP);
        Assert.Equal(0.5f, s.PresencePenalty);
        Assert.Equal(-0.5f, s.FrequencyPenalty);
        Assert.Equal(-1, s.PenaltyLastN); // OpenAI penalties count every output token
        Assert.Equal(new Dictionary<int, float> { [5] = -100f, [7] = 2.5f }, s.LogitBias);
        Assert.Equal(8, s.MaxTokens); // max_completion_tokens wins over max_tokens
        Assert.Equal(["\n", "END"], s.StopStrings);
        Assert.Equal(7UL, s.Seed);
        Assert.False(s.Logprobs);
        // developer is the system role; text parts are joined.
        var expected = ChatPrompt.Encode(host.Engine.Model, [new("system", "Be brief."), new("user", "Genesis")]);
        Assert.Equal(expected, submitted.PromptTokens);
    }

    [SkippableFact]
    public async Task Request_VllmExtensionFields_MapOntoSamplingOptions()
    {
        await using var host = await TestHost.StartAsync();
        await host.PostForJsonAsync(Chat, "{" + Hi + ",\"top_k\":40,\"min_p\":0.05,\"repetition_penalty\":1.1,\"ignore_eos\":true}");
        var s = host.Engine.Submitted.Single().Sampling;
        Assert.Equal(40, s.TopK);
        Assert.Equal(0.05f, s.MinP);
        Assert.Equal(1.1f, s.RepetitionPenalty);
        Assert.True(s.IgnoreEos);
    }

    [SkippableFact]
    public async Task Request_NoFields_UsesOpenAiDefaults()
    {
        await using var host = await TestHost.StartAsync();
        await host.PostForJsonAsync(Chat, "{" + Hi + ",\"stop\":\"END\"}");
        var s = host.Engine.Submitted.Single().Sampling;
        Assert.Equal(1f, s.Temperature);
        Assert.Equal(1f, s.TopP);
        Assert.Null(s.MaxTokens); // until the context is full
        Assert.Null(s.Seed);
        Assert.Null(s.LogitBias);
        Assert.Equal(["END"], s.StopStrings);
        Assert.Equal((0, 0f, 1f, false), (s.TopK, s.MinP, s.RepetitionPenalty, s.IgnoreEos)); // extensions off
    }

    [SkippableFact]
    public async Task Streaming_ScriptedOutputs_SseFramingByteExact()
    {
        await using var host = await TestHost.StartAsync();
        host.Engine.Run = Scripted;
        using var request = new HttpRequestMessage(HttpMethod.Post, Chat)
        {
            Content = new StringContent("{" + Hi + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}", Encoding.UTF8, "application/json"),
        };
        using var response = await host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("no-cache", response.Headers.CacheControl!.ToString());
        string body = await response.Content.ReadAsStringAsync();

        var first = JsonDocument.Parse(body["data: ".Length..body.IndexOf('\n')]).RootElement;
        string id = first.GetProperty("id").GetString()!;
        long created = first.GetProperty("created").GetInt64();
        int p = host.Engine.Submitted.Single().PromptTokens.Count;
        string head = $"{{\"id\":\"{id}\",\"object\":\"chat.completion.chunk\",\"created\":{created},\"model\":\"meridian-demo\",";
        string expected =
            $"data: {head}\"choices\":[{{\"index\":0,\"delta\":{{\"role\":\"assistant\",\"content\":\"\"}},\"logprobs\":null,\"finish_reason\":null}}]}}\n\n" +
            $"data: {head}\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"Hi\"}},\"logprobs\":null,\"finish_reason\":null}}]}}\n\n" +
            $"data: {head}\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\" th\\u00E9re\"}},\"logprobs\":null,\"finish_reason\":null}}]}}\n\n" +
            $"data: {head}\"choices\":[{{\"index\":0,\"delta\":{{}},\"logprobs\":null,\"finish_reason\":\"length\"}}]}}\n\n" +
            $"data: {head}\"choices\":[],\"usage\":{{\"prompt_tokens\":{p},\"completion_tokens\":3,\"total_tokens\":{p + 3},\"prompt_tokens_details\":{{\"cached_tokens\":2}}}}}}\n\n" +
            "data: [DONE]\n\n";
        Assert.Equal(expected, body);

        // Outputs: "Hi", an output whose token completed no text (skipped), " thére", then the finish.
        static async IAsyncEnumerable<RequestOutput> Scripted(EngineRequest r, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
        {
            int n = r.PromptTokens.Count;
            yield return new RequestOutput { TokenIds = [10], Text = "Hi", Usage = new Usage(n, 1, 2) };
            await Task.Yield();
            yield return new RequestOutput { TokenIds = [11], Text = "", Usage = new Usage(n, 2, 2) };
            yield return new RequestOutput { TokenIds = [12], Text = " thére", FinishReason = FinishReason.Length, Usage = new Usage(n, 3, 2) };
        }
    }

    [SkippableFact]
    public async Task Streaming_WithoutIncludeUsage_NoUsageChunk()
    {
        await using var host = await TestHost.StartAsync();
        using var response = await host.PostJsonAsync(Chat, "{" + Hi + ",\"stream\":true}");
        var events = Sse.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e).RootElement).ToList();
        Assert.All(chunks, c => Assert.False(c.TryGetProperty("usage", out _)));
        Assert.All(chunks, c => Assert.Single(c.GetProperty("choices").EnumerateArray()));
        string text = string.Concat(chunks.Select(c => c.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("content", out var t) ? t.GetString() : ""));
        Assert.Equal("Hello world", text);
        Assert.Equal("stop", chunks[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [SkippableFact]
    public async Task NChoices_SeedGiven_EachChoiceGetsSeedPlusIndex()
    {
        await using var host = await TestHost.StartAsync();
        var json = await host.PostForJsonAsync(Chat, "{" + Hi + ",\"n\":2,\"seed\":41}");
        var seeds = host.Engine.Submitted.Select(r => r.Sampling.Seed).Order().ToArray();
        Assert.Equal([41UL, 42UL], seeds);
        var choices = json.GetProperty("choices").EnumerateArray().ToList();
        Assert.Equal([0, 1], choices.Select(c => c.GetProperty("index").GetInt32()));
        Assert.All(choices, c => Assert.Equal("Hello world", c.GetProperty("message").GetProperty("content").GetString()));
        int replyTokens = host.Engine.Model.Tokenizer.Encode("Hello world").Length;
        int prompt = host.Engine.Submitted.First().PromptTokens.Count;
        var usage = json.GetProperty("usage");
        Assert.Equal(prompt, usage.GetProperty("prompt_tokens").GetInt32()); // the prompt counts once
        Assert.Equal(2 * replyTokens, usage.GetProperty("completion_tokens").GetInt32());
    }

    [SkippableFact]
    public async Task NChoices_Streaming_EveryChoiceOpensAndFinishes()
    {
        await using var host = await TestHost.StartAsync();
        using var response = await host.PostJsonAsync(Chat, "{" + Hi + ",\"n\":2,\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
        var events = Sse.Parse(await response.Content.ReadAsStringAsync());
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e).RootElement).ToList();
        for (int i = 0; i < 2; i++)
        {
            var mine = chunks.Where(c => c.GetProperty("choices").GetArrayLength() == 1 && c.GetProperty("choices")[0].GetProperty("index").GetInt32() == i)
                .Select(c => c.GetProperty("choices")[0]).ToList();
            Assert.Equal("assistant", mine[0].GetProperty("delta").GetProperty("role").GetString());
            Assert.Equal("Hello world", string.Concat(mine.Select(c => c.GetProperty("delta").TryGetProperty("content", out var t) ? t.GetString() : "")));
            Assert.Equal("stop", mine[^1].GetProperty("finish_reason").GetString());
        }
        int replyTokens = host.Engine.Model.Tokenizer.Encode("Hello world").Length;
        Assert.Equal(2 * replyTokens, chunks[^1].GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [SkippableFact]
    public async Task Logprobs_TopTwo_OpenAiShapeWithFakeValues()
    {
        await using var host = await TestHost.StartAsync();
        var json = await host.PostForJsonAsync(Chat, "{" + Hi + ",\"logprobs\":true,\"top_logprobs\":2}");
        var s = host.Engine.Submitted.Single().Sampling;
        Assert.True(s.Logprobs);
        Assert.Equal(2, s.TopLogprobs);
        var tok = host.Engine.Model.Tokenizer;
        var ids = tok.Encode("Hello world");
        var content = json.GetProperty("choices")[0].GetProperty("logprobs").GetProperty("content").EnumerateArray().ToList();
        Assert.Equal(ids.Length, content.Count);
        for (int k = 0; k < ids.Length; k++)
        {
            var entry = content[k];
            Assert.Equal(tok.TokenToPiece(ids[k]), entry.GetProperty("token").GetString());
            Assert.Equal(FakeEngine.LogprobOf(k), entry.GetProperty("logprob").GetSingle());
            Assert.Equal(tok.TokenBytes(ids[k]).ToArray(), entry.GetProperty("bytes").EnumerateArray().Select(b => (byte)b.GetInt32()).ToArray());
            var top = entry.GetProperty("top_logprobs").EnumerateArray().ToList();
            Assert.Equal(2, top.Count);
            for (int j = 0; j < 2; j++)
            {
                Assert.Equal(tok.TokenToPiece((ids[k] + j) % tok.VocabSize), top[j].GetProperty("token").GetString());
                Assert.Equal(FakeEngine.LogprobOf(k) - j, top[j].GetProperty("logprob").GetSingle());
            }
        }
        // Their concatenated bytes are the reply (a token piece may split a character; the bytes never do).
        var bytes = content.SelectMany(e => e.GetProperty("bytes").EnumerateArray().Select(b => (byte)b.GetInt32())).ToArray();
        Assert.Equal("Hello world", Encoding.UTF8.GetString(bytes));
    }

    [SkippableFact]
    public async Task Streaming_ClientDisconnects_HandleCancelled()
    {
        await using var host = await TestHost.StartAsync();
        host.Engine.Run = (r, ct) => host.Engine.Endless(r, ct);
        using (var request = new HttpRequestMessage(HttpMethod.Post, Chat) { Content = new StringContent("{" + Hi + ",\"stream\":true}", Encoding.UTF8, "application/json") })
        using (var response = await host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            Assert.StartsWith("data: ", await reader.ReadLineAsync()); // role chunk
            Assert.Equal("", await reader.ReadLineAsync());
            Assert.Contains("\"content\":\"a\"", await reader.ReadLineAsync()); // generation is under way
            Assert.Equal(0, host.Engine.CancelCount);
        } // the client goes away mid-stream
        string cancelled = await host.Engine.FirstCancel.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.StartsWith("chatcmpl-", cancelled);
    }

    [SkippableFact]
    public async Task NonStreaming_RequestTimeout_Returns504AndCancels()
    {
        await using var host = await TestHost.StartAsync(options: new ServerOptions { RequestTimeout = TimeSpan.FromMilliseconds(200) });
        host.Engine.Run = (r, ct) => host.Engine.Endless(r, ct);
        using var response = await host.PostJsonAsync(Chat, "{" + Hi + "}");
        await ErrorAssert.IsAsync(response, 504, "timeout_error", null, "timeout", "timeout");
        await host.Engine.FirstCancel.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [SkippableFact]
    public async Task Streaming_RequestTimeout_ErrorEventThenDone()
    {
        await using var host = await TestHost.StartAsync(options: new ServerOptions { RequestTimeout = TimeSpan.FromMilliseconds(200) });
        host.Engine.Run = (r, ct) => host.Engine.Endless(r, ct);
        using var response = await host.PostJsonAsync(Chat, "{" + Hi + ",\"stream\":true}");
        var events = Sse.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("[DONE]", events[^1]);
        var error = JsonDocument.Parse(events[^2]).RootElement.GetProperty("error");
        Assert.Equal("timeout", error.GetProperty("code").GetString());
        await host.Engine.FirstCancel.Task.WaitAsync(TimeSpan.FromSeconds(10)); // (the token and the handle's Dispose may both cancel)
    }

    [SkippableFact]
    public async Task EngineFails_NonStreaming503_StreamingErrorEventThenDone_ThenRefused()
    {
        await using var host = await TestHost.StartAsync();
        host.Engine.Run = Failing;
        using (var response = await host.PostJsonAsync(Chat, "{" + Hi + "}"))
            await ErrorAssert.IsAsync(response, 503, "server_error", null, "engine_error", "kernel failed");
        using (var response = await host.PostJsonAsync(Chat, "{" + Hi + ",\"stream\":true}"))
        {
            var events = Sse.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal("[DONE]", events[^1]);
            var error = JsonDocument.Parse(events[^2]).RootElement.GetProperty("error");
            Assert.Equal("engine_error", error.GetProperty("code").GetString());
            Assert.Contains("kernel failed", error.GetProperty("message").GetString());
        }
        // Once the engine reports its fault, new requests are refused with it.
        host.Engine.Fault = "kernel failed";
        host.Engine.Refuse = _ => new Core.MeridianException("the engine stopped");
        using (var response = await host.PostJsonAsync(Chat, "{" + Hi + "}"))
            await ErrorAssert.IsAsync(response, 503, "server_error", null, "engine_error", "kernel failed");

        static async IAsyncEnumerable<RequestOutput> Failing(EngineRequest request, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
        {
            yield return new RequestOutput { TokenIds = [5], Text = "Hel", Usage = new Usage(request.PromptTokens.Count, 1, 0) };
            await Task.Yield();
            throw new InvalidOperationException("kernel failed");
        }
    }

    [SkippableFact]
    public async Task Shutdown_StreamOutlivesGrace_IsCancelledAndStopReturns()
    {
        var host = await TestHost.StartAsync(options: new ServerOptions { ShutdownGrace = TimeSpan.FromMilliseconds(300) });
        host.Engine.Run = (r, ct) => host.Engine.Endless(r, ct);
        using var request = new HttpRequestMessage(HttpMethod.Post, Chat) { Content = new StringContent("{" + Hi + ",\"stream\":true}", Encoding.UTF8, "application/json") };
        using var response = await host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.StartsWith("data: ", await reader.ReadLineAsync());
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        await host.App.StopAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromMilliseconds(250), $"stopped after {stopwatch.Elapsed}, before the grace ended");
        await host.Engine.FirstCancel.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await host.DisposeAsync();
    }
}
