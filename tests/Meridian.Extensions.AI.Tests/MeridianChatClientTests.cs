// IChatClient over the real engine and the demo model. The independent side is one sequence fed by hand
// (SequenceState: no scheduler, no sampler, no prefix cache) with a plain argmax, on the same prompt.
using Meridian.Tests.Shared;
using System.Text.Json;
using Meridian.Engine.Generation;
using Meridian.Engine.Serving;
using Microsoft.Extensions.AI;

namespace Meridian.Extensions.AI.Tests;

public sealed class MeridianChatClientTests(DemoEngine demo) : IClassFixture<DemoEngine>
{
    private static readonly ChatMessage[] Ask = [new(ChatRole.User, "Recite John 3:16")];

    [SkippableFact]
    public async Task GetResponse_Greedy_EqualsSingleSequenceGeneration()
    {
        demo.RequireModel();
        using IChatClient client = new MeridianChatClient(demo.Engine);
        var response = await client.GetResponseAsync(Ask, new ChatOptions { Temperature = 0f, MaxOutputTokens = 12 });

        var prompt = ChatPrompt.Encode(demo.Engine.Model, [new ChatPromptMessage("user", "Recite John 3:16")]);
        var (expectedText, expectedCount, stopped) = Reference(prompt, 12);
        Assert.Equal(expectedText, response.Text);
        Assert.Equal(ChatRole.Assistant, response.Messages.Single().Role);
        Assert.Equal(stopped ? ChatFinishReason.Stop : ChatFinishReason.Length, response.FinishReason);
        Assert.Equal(prompt.Length, response.Usage!.InputTokenCount);
        Assert.Equal(expectedCount, response.Usage.OutputTokenCount);
        Assert.Equal(prompt.Length + expectedCount, response.Usage.TotalTokenCount);
        Assert.Equal("meridian-demo", response.ModelId);
    }

    [SkippableFact]
    public async Task GetStreamingResponse_ConcatenatesToNonStreaming_WithUsageLast()
    {
        demo.RequireModel();
        using IChatClient client = new MeridianChatClient(demo.Engine);
        var options = new ChatOptions { Temperature = 0f, MaxOutputTokens = 10 };
        var whole = await client.GetResponseAsync(Ask, options);
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(Ask, options))
            updates.Add(update);
        Assert.True(updates.Count > 1, "one update per generated piece");
        Assert.Equal(whole.Text, string.Concat(updates.Select(u => u.Text)));
        var usage = updates[^1].Contents.OfType<UsageContent>().Single().Details;
        Assert.Equal(whole.Usage!.OutputTokenCount, usage.OutputTokenCount);
        Assert.NotNull(updates[^1].FinishReason);
    }

    [SkippableFact]
    public async Task Options_InstructionsSeedAndStop_AreApplied()
    {
        demo.RequireModel();
        using IChatClient client = new MeridianChatClient(demo.Engine);
        var withSystem = ChatPrompt.Encode(demo.Engine.Model,
            [new ChatPromptMessage("system", "Answer in verse."), new ChatPromptMessage("user", "Recite John 3:16")]);
        var instructed = await client.GetResponseAsync(Ask, new ChatOptions { Instructions = "Answer in verse.", MaxOutputTokens = 4, Seed = 3 });
        Assert.Equal(withSystem.Length, instructed.Usage!.InputTokenCount);

        // Same seed, same sampled text; the stop string cuts the text before it.
        var seeded = new ChatOptions { Temperature = 1f, Seed = 42, MaxOutputTokens = 16 };
        var a = await client.GetResponseAsync(Ask, seeded);
        var b = await client.GetResponseAsync(Ask, seeded);
        Assert.Equal(a.Text, b.Text);
        if (a.Text.Length > 4)
        {
            string stop = a.Text.Substring(2, 2);
            var cut = await client.GetResponseAsync(Ask, new ChatOptions { Temperature = 1f, Seed = 42, MaxOutputTokens = 16, StopSequences = [stop] });
            Assert.Equal(a.Text[..a.Text.IndexOf(stop, StringComparison.Ordinal)], cut.Text);
            Assert.Equal(ChatFinishReason.Stop, cut.FinishReason);
        }
    }

    [SkippableFact]
    public async Task Unsupported_ImagesToolKindsAndSchemas_AreRefusedByName()
    {
        demo.RequireModel();
        using IChatClient client = new MeridianChatClient(demo.Engine);
        var search = new ChatOptions { Tools = [new HostedWebSearchTool()] };
        var e1 = await Assert.ThrowsAsync<NotSupportedException>(() => client.GetResponseAsync(Ask, search));
        Assert.Contains("HostedWebSearchTool", e1.Message);
        ChatMessage[] image = [new(ChatRole.User, [new DataContent(new byte[] { 1, 2 }, "image/png")])];
        var e2 = await Assert.ThrowsAsync<NotSupportedException>(() => client.GetResponseAsync(image));
        Assert.Contains("DataContent", e2.Message);
        var schema = new ChatOptions { ResponseFormat = ChatResponseFormat.ForJsonSchema(JsonDocument.Parse("{\"type\":\"array\",\"uniqueItems\":true}").RootElement, "thing") };
        var e3 = await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync(Ask, schema));
        Assert.Contains("uniqueItems", e3.Message);
        // Plain text is what every response is: accepted.
        var text = await client.GetResponseAsync(Ask, new ChatOptions { ResponseFormat = ChatResponseFormat.Text, MaxOutputTokens = 2, Temperature = 0f });
        Assert.NotNull(text.Text);
    }

    [SkippableFact]
    public async Task JsonMode_FinishedRepliesAreJsonObjects()
    {
        // ChatResponseFormat.Json constrains the demo model's reply to one JSON object (System.Text.Json parses it when
        // the reply finished; a reply cut off by MaxOutputTokens is the start of one).
        demo.RequireModel();
        using IChatClient client = new MeridianChatClient(demo.Engine);
        int finished = 0;
        for (int seed = 0; seed < 4; seed++)
        {
            var options = new ChatOptions { ResponseFormat = ChatResponseFormat.Json, Temperature = 0.8f, Seed = seed, MaxOutputTokens = 120 };
            var response = await client.GetResponseAsync("Recite John 3:16 as JSON", options);
            if (JsonOutput.AssertObjectOrPrefix(response.Text, response.FinishReason == ChatFinishReason.Stop, $"seed {seed}"))
                finished++;
        }
        Assert.True(finished >= 1, "no reply finished its object within 120 tokens");
    }

    [SkippableFact]
    public async Task JsonSchema_FinishedRepliesHaveTheSchemasShape()
    {
        // A schema the demo model's verses can fill: every finished reply has both properties, the chapter in range
        // (checked here field by field, independently of the grammar).
        demo.RequireModel();
        using IChatClient client = new MeridianChatClient(demo.Engine);
        var schema = JsonDocument.Parse("""
            {"type":"object","properties":{"book":{"type":"string","maxLength":20},"chapter":{"type":"integer","minimum":1,"maximum":150}},
             "required":["book","chapter"],"additionalProperties":false}
            """).RootElement;
        int finished = 0;
        var replies = new List<string>();
        for (int seed = 0; seed < 4; seed++)
        {
            var options = new ChatOptions { ResponseFormat = ChatResponseFormat.ForJsonSchema(schema, "verse"), Temperature = 0.8f, Seed = seed, MaxOutputTokens = 80 };
            var response = await client.GetResponseAsync("Which book and chapter is John 3:16 from?", options);
            replies.Add($"{response.FinishReason}: {response.Text}");
            if (response.FinishReason != ChatFinishReason.Stop)
                continue;
            using var doc = JsonDocument.Parse(response.Text);
            var root = doc.RootElement;
            Assert.Equal(2, root.EnumerateObject().Count());
            Assert.True(root.GetProperty("book").GetString()!.Length <= 20);
            Assert.InRange(root.GetProperty("chapter").GetInt32(), 1, 150);
            finished++;
        }
        Assert.True(finished >= 1, "no reply finished within 80 tokens: " + string.Join(" | ", replies));
    }

    [SkippableFact]
    public async Task RequiredTool_DemoModel_ReplyIsACallWhoseArgumentsFitTheFunction()
    {
        // The demo template knows no tools, so the model gets them in a system message and its reply is held to the
        // generic JSON shape: a required, named tool makes it a call of get_weather with a string city, every seed.
        demo.RequireModel();
        using IChatClient client = new MeridianChatClient(demo.Engine);
        var weather = AIFunctionFactory.Create((string city) => "22 C", "get_weather");
        for (int seed = 0; seed < 3; seed++)
        {
            var options = new ChatOptions { Tools = [weather], ToolMode = ChatToolMode.RequireSpecific("get_weather"), Seed = seed, Temperature = 0.8f, MaxOutputTokens = 200 };
            var response = await client.GetResponseAsync("Weather in Oslo?", options);
            if (response.FinishReason == ChatFinishReason.Length)
                continue; // cut off inside a string: no call to check
            Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
            var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
            Assert.Equal("get_weather", call.Name);
            Assert.IsType<JsonElement>(call.Arguments!["city"]);
            Assert.Equal(JsonValueKind.String, ((JsonElement)call.Arguments["city"]!).ValueKind);
        }
    }

    [SkippableFact]
    public async Task FunctionInvokingChatClient_InProcess_RunsTheFunctionAndAnswers()
    {
        // A whole tool loop in process: the first turn must call get_weather, the client runs it, and the loop goes on
        // until the model answers (FunctionInvokingChatClient drops the required mode after the first round). The
        // parameter is a boolean so that the call the random-ish demo model writes is short enough to finish.
        demo.RequireModel();
        int calls = 0;
        var weather = AIFunctionFactory.Create((bool celsius) => { calls++; return "22 C"; }, "get_weather");
        // The tools' system message takes most of the demo model's 256 trained positions: this engine allows more.
        using var engine = new Meridian.Engine.Serving.LlmEngine(demo.Model, demo.Tokenizer, demo.Engine.Model.ChatTemplate,
            new Meridian.Engine.Serving.LlmEngineOptions { ModelName = "meridian-demo", MaxContext = 1024 });
        using IChatClient client = new ChatClientBuilder(new MeridianChatClient(engine)).UseFunctionInvocation(configure: f => f.MaximumIterationsPerRequest = 4).Build();
        var options = new ChatOptions
        {
            Tools = [weather], ToolMode = ChatToolMode.RequireSpecific("get_weather"), AllowMultipleToolCalls = false,
            Seed = 1, Temperature = 0.8f, MaxOutputTokens = 200,
        };
        var response = await client.GetResponseAsync("Weather in Oslo?", options);
        Assert.True(calls >= 1, "the function was never called: " + string.Join(" | ", response.Messages.SelectMany(m => m.Contents).Select(c => c switch
        {
            FunctionCallContent f => $"call {f.Name}({string.Join(",", f.Arguments?.Select(a => $"{a.Key}={a.Value}") ?? [])})",
            FunctionResultContent r => $"result {r.Result}",
            TextContent t => $"text {t.Text}",
            _ => c.GetType().Name,
        })) + $" finish {response.FinishReason}");
        Assert.Contains(response.Messages, m => m.Contents.OfType<FunctionResultContent>().Any(r => r.Result?.ToString() == "22 C"));
    }

    [SkippableFact]
    public void GetService_Metadata_NamesTheModel()
    {
        demo.RequireModel();
        using IChatClient client = new MeridianChatClient(demo.Engine);
        var metadata = client.GetService<ChatClientMetadata>();
        Assert.Equal("meridian-demo", metadata!.DefaultModelId);
        Assert.Equal("meridian", metadata.ProviderName);
        Assert.Same(demo.Engine, client.GetService<ILlmEngine>());
    }

    // Greedy text of one sequence fed by hand, stopping at an end-of-generation token as the engine does.
    private (string Text, int Count, bool Stopped) Reference(int[] prompt, int maxTokens)
    {
        using var state = new Meridian.Models.SequenceState(demo.Model, capacity: 256);
        var stops = new HashSet<int>(demo.Tokenizer.EndOfGenerationIds);
        var stream = new TextStream(demo.Tokenizer.CreateIncrementalDecoder(skipSpecial: true, continuation: true), []);
        var text = new System.Text.StringBuilder();
        var logits = new float[demo.Model.VocabSize];
        state.Forward(prompt, 0, logits);
        for (int count = 0; count < maxTokens; count++)
        {
            int next = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(logits);
            if (stops.Contains(next))
                return (text.Append(stream.Flush()).ToString(), count, true);
            text.Append(stream.Push(next).Text);
            state.Forward([next], prompt.Length + count, logits);
        }
        return (text.Append(stream.Flush()).ToString(), maxTokens, false);
    }
}
