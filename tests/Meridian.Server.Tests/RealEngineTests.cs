// The server over the real engine (LlmEngine on a real device: the CPU backend in CpuRealEngineTests, the
// reference C plugin in PluginRealEngineTests) and the bundled demo model: the OpenAI SDK end to end, batching = each request alone, prefix-cache hits in cached_tokens, a client
// that disconnects mid-stream freeing its KV blocks, a full queue answering 429, and 64 concurrent
// clients all served.
using Meridian.Tests.Shared;
using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using Meridian.Core.Backends;
using Meridian.Engine.Serving;
using Meridian.Models;
using Meridian.Tokenizers.Templates;
using OpenAI;
using OpenAI.Chat;

namespace Meridian.Server.Tests;

public abstract class RealEngineTests
{
    private const string Chat = "v1/chat/completions";

    [SkippableFact]
    public async Task OpenAiSdk_RealEngine_StreamingAndNot_SameTextWithUsage()
    {
        await using var server = await RealServer.StartAsync(OpenDevice(), ClientTimeout, new LlmEngineOptions { ModelName = DemoModel.Name });
        var client = new ChatClient(DemoModel.Name, new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(server.Host.Address, "v1"), NetworkTimeout = ClientTimeout });
        var options = new ChatCompletionOptions { Temperature = 0f, MaxOutputTokenCount = 12 };
        ChatMessage[] messages = [new UserChatMessage("Recite John 3:16")];
        OpenAI.Chat.ChatCompletion whole = await client.CompleteChatAsync(messages, options);
        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        await foreach (var update in client.CompleteChatStreamingAsync(messages, options))
        {
            foreach (var part in update.ContentUpdate)
                text.Append(part.Text);
            usage ??= update.Usage;
        }
        int prompt = ChatPrompt.Encode(server.Engine.Model, [new ChatPromptMessage("user", "Recite John 3:16")]).Length;
        Assert.False(string.IsNullOrEmpty(whole.Content.Single().Text));
        Assert.Equal(whole.Content.Single().Text, text.ToString());
        Assert.Equal(prompt, whole.Usage.InputTokenCount);
        Assert.Equal(prompt, usage!.InputTokenCount);
        Assert.Equal(whole.Usage.OutputTokenCount, usage.OutputTokenCount);
        Assert.InRange(whole.Usage.OutputTokenCount, 1, 12);
    }

    [SkippableFact]
    public async Task OpenAiSdk_JsonObjectResponseFormat_SeededSampling_FinishedRepliesAreJsonObjects()
    {
        // The demo model knows verses, not JSON: whatever it writes under response_format json_object must still be an
        // object when it finishes (System.Text.Json parses it), and a cut-off reply is the start of one; streamed and
        // not, the same text.
        await using var server = await RealServer.StartAsync(OpenDevice(), ClientTimeout, new LlmEngineOptions { ModelName = DemoModel.Name });
        var client = new ChatClient(DemoModel.Name, new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(server.Host.Address, "v1"), NetworkTimeout = ClientTimeout });
        int finished = 0;
        for (int seed = 0; seed < 4; seed++)
        {
            var options = new ChatCompletionOptions
            {
                Temperature = 0.8f, MaxOutputTokenCount = 120, ResponseFormat = ChatResponseFormat.CreateJsonObjectFormat(),
#pragma warning disable OPENAI001 // Seed is marked experimental in the SDK
                Seed = seed,
#pragma warning restore OPENAI001
            };
            ChatMessage[] messages = [new UserChatMessage("Recite John 3:16 as JSON")];
            OpenAI.Chat.ChatCompletion whole = await client.CompleteChatAsync(messages, options);
            string text = whole.Content.Single().Text;
            var streamed = new StringBuilder();
            await foreach (var update in client.CompleteChatStreamingAsync(messages, options))
            {
                foreach (var part in update.ContentUpdate)
                    streamed.Append(part.Text);
            }
            Assert.Equal(text, streamed.ToString());
            Assert.True(whole.FinishReason is ChatFinishReason.Stop or ChatFinishReason.Length);
            if (JsonOutput.AssertObjectOrPrefix(text, whole.FinishReason == ChatFinishReason.Stop, $"seed {seed}"))
                finished++;
        }
        Assert.True(finished >= 1, "no reply finished its object within 120 tokens");
    }

    [SkippableFact]
    public async Task ConcurrentRequests_Greedy_EqualEachAlone()
    {
        await using var server = await RealServer.StartAsync(OpenDevice(), ClientTimeout, new LlmEngineOptions { ModelName = DemoModel.Name, MaxBatchTokens = 32 });
        string[] prompts = ["And God said", "In the beginning", "The LORD is my shepherd", "Blessed are the meek, for", "Jesus wept.", "Let there be"];
        string Body(string p) => $"{{\"prompt\":{JsonSerializer.Serialize(p)},\"max_tokens\":24,\"temperature\":0,\"ignore_eos\":true}}";
        var alone = new List<string>();
        foreach (var p in prompts)
            alone.Add(Text(await server.Host.PostForJsonAsync("v1/completions", Body(p))));
        var together = await Task.WhenAll(prompts.Select(p => server.Host.PostForJsonAsync("v1/completions", Body(p))));
        Assert.Equal(alone, together.Select(Text));
    }

    [SkippableFact]
    public async Task RepeatedPrefix_SecondRequest_ReportsCachedTokens()
    {
        await using var server = await RealServer.StartAsync(OpenDevice(), ClientTimeout, new LlmEngineOptions { ModelName = DemoModel.Name, BlockSize = 16 });
        string system = string.Concat(Enumerable.Repeat("Thou shalt answer with a verse of the King James Bible. ", 4));
        string body = $"{{\"messages\":[{{\"role\":\"system\",\"content\":\"{system}\"}},{{\"role\":\"user\",\"content\":\"Genesis 1:1\"}}],\"max_tokens\":4}}";
        var first = await server.Host.PostForJsonAsync(Chat, body);
        var second = await server.Host.PostForJsonAsync(Chat, body);
        int prompt = second.GetProperty("usage").GetProperty("prompt_tokens").GetInt32();
        Assert.Equal(0, first.GetProperty("usage").GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
        // Every full block of the prompt but the one holding its last token comes from the cache.
        Assert.Equal((prompt - 1) / 16 * 16, second.GetProperty("usage").GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
        Assert.True(prompt > 32, $"the prompt should span several blocks, has {prompt} tokens");
    }

    [SkippableFact]
    public async Task ClientDisconnect_MidStream_FreesKvBlocks()
    {
        await using var server = await RealServer.StartAsync(OpenDevice(), ClientTimeout, new LlmEngineOptions { ModelName = DemoModel.Name, EnablePrefixCaching = false });
        var request = new HttpRequestMessage(HttpMethod.Post, Chat)
        {
            Content = new StringContent("{\"messages\":[{\"role\":\"user\",\"content\":\"Recite Psalm 119\"}],\"max_tokens\":200,\"ignore_eos\":true,\"stream\":true}",
                Encoding.UTF8, "application/json"),
        };
        var response = await server.Host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        for (int events = 0; events < 3;)
        {
            if ((await reader.ReadLineAsync())!.StartsWith("data: ", StringComparison.Ordinal))
                events++;
        }
        Assert.True(server.Engine.GetStats().KvBlocksUsed > 0, "a running stream holds KV blocks");
        response.Dispose(); // the client goes away mid-stream
        for (int i = 0; i < 300 && server.Engine.GetStats() is not { Running: 0, KvBlocksUsed: 0 }; i++)
            await Task.Delay(10);
        Assert.Equal((0, 0), (server.Engine.GetStats().Running, server.Engine.GetStats().KvBlocksUsed));
    }

    [SkippableFact]
    public async Task FullQueue_Returns429WithRetryAfter()
    {
        await using var server = await RealServer.StartAsync(OpenDevice(), ClientTimeout, new LlmEngineOptions { ModelName = DemoModel.Name, MaxRunning = 1, MaxQueue = 1 });
        string longOne = "{\"prompt\":\"And\",\"max_tokens\":200,\"ignore_eos\":true,\"stream\":true}";
        using var running = await server.Host.Client.SendAsync(
            new HttpRequestMessage(HttpMethod.Post, "v1/completions") { Content = new StringContent(longOne, Encoding.UTF8, "application/json") },
            HttpCompletionOption.ResponseHeadersRead);
        var reader = new StreamReader(await running.Content.ReadAsStreamAsync());
        await reader.ReadLineAsync(); // the first event: the request is running
        var queued = server.Host.PostJsonAsync("v1/completions", "{\"prompt\":\"And\",\"max_tokens\":2}");
        for (int i = 0; i < 300 && server.Engine.GetStats().Waiting == 0; i++)
            await Task.Delay(10);
        using var refused = await server.Host.PostJsonAsync("v1/completions", "{\"prompt\":\"And\",\"max_tokens\":2}");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter is not null, "429 carries Retry-After");
        var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Contains("queued", error.GetProperty("message").GetString());
        running.Dispose();
        using var served = await queued;
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
    }

    [SkippableFact]
    public async Task SixtyFourClients_AllServed()
    {
        await using var server = await RealServer.StartAsync(OpenDevice(), ClientTimeout, new LlmEngineOptions { ModelName = DemoModel.Name });
        var responses = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => server.Host.PostJsonAsync("v1/completions",
            $"{{\"prompt\":\"Verse {i}:\",\"max_tokens\":8,\"ignore_eos\":true,\"stream\":{(i % 2 == 0 ? "true" : "false")}}}")));
        foreach (var r in responses)
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            r.Dispose();
        }
        Assert.Equal(0, server.Engine.GetStats().KvBlocksUsed);
    }

    /// <summary>The device the engine runs on; the test owns it (skips from here when it is unavailable).</summary>
    protected abstract IDevice OpenDevice();

    /// <summary>How long a client waits for one response: longer on a slow device (a CPU Vulkan implementation).</summary>
    protected virtual TimeSpan ClientTimeout => TimeSpan.FromSeconds(30);

    private static string Text(JsonElement completion) => completion.GetProperty("choices")[0].GetProperty("text").GetString()!;

    // The demo model on the device, an engine and a server over it.
    internal sealed class RealServer : IAsyncDisposable
    {
        private readonly IDevice _device;
        private readonly ILanguageModel _model;

        private RealServer(IDevice device, ILanguageModel model, LlmEngine engine, TestHost host)
        {
            _device = device;
            _model = model;
            Engine = engine;
            Host = host;
        }

        public LlmEngine Engine { get; }

        public TestHost Host { get; }

        public static async Task<RealServer> StartAsync(IDevice device, TimeSpan clientTimeout, LlmEngineOptions options)
        {
            string path = DemoModel.File;
            var model = ModelLoader.Load(path, device);
            var tok = DemoModel.Tokenizer;
            var template = tok.Spec.ChatTemplate is { } source ? ChatTemplate.Parse(source, "demo chat template") : null;
            var engine = new LlmEngine(model, tok, template, options);
            var host = await TestHost.StartRealAsync(engine, clientTimeout: clientTimeout);
            return new RealServer(device, model, engine, host);
        }

        public async ValueTask DisposeAsync()
        {
            await Host.DisposeAsync();
            Engine.Dispose();
            _model.Dispose();
            _device.Dispose();
        }
    }
}
