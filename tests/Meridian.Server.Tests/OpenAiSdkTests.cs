// Real clients against the server: the official OpenAI .NET SDK's ChatClient and Microsoft.Extensions.AI's
// IChatClient over it, streaming and not, with usage; the texts and counts come from the fake engine's script.
using System.ClientModel;
using System.Text;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;

namespace Meridian.Server.Tests;

public sealed class OpenAiSdkTests
{
    private static ChatClient Client(TestHost host, string key = "sdk-key") =>
        new(DemoModel.Name, new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = new Uri(host.Address, "v1") });

    private static (int Prompt, int Completion) Expected(TestHost host) =>
        (host.Engine.Submitted.Single().PromptTokens.Count, host.Engine.Model.Tokenizer.Encode("Hello world").Length);

    [SkippableFact]
    public async Task OpenAiChatClient_NonStreaming_ReplyAndUsage()
    {
        await using var host = await TestHost.StartAsync(options: new ServerOptions { ApiKeys = ["sdk-key"] });
        host.Engine.Run = (r, ct) => host.Engine.Reply(r, "Hello world", ct, cachedPromptTokens: 2);
        OpenAI.Chat.ChatCompletion completion = await Client(host).CompleteChatAsync([new SystemChatMessage("Be brief."), new UserChatMessage("Hi")]);
        var (prompt, generated) = Expected(host);
        Assert.Equal("Hello world", completion.Content.Single().Text);
        Assert.Equal(OpenAI.Chat.ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(Microsoft.Extensions.AI.ChatRole.Assistant.Value, completion.Role.ToString().ToLowerInvariant());
        Assert.Equal(prompt, completion.Usage.InputTokenCount);
        Assert.Equal(generated, completion.Usage.OutputTokenCount);
        Assert.Equal(prompt + generated, completion.Usage.TotalTokenCount);
        Assert.Equal(2, completion.Usage.InputTokenDetails.CachedTokenCount);
    }

    [SkippableFact]
    public async Task OpenAiChatClient_Streaming_ReplyAndUsage()
    {
        await using var host = await TestHost.StartAsync();
        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        OpenAI.Chat.ChatFinishReason? finish = null;
        var options = new ChatCompletionOptions { Temperature = 0.5f, MaxOutputTokenCount = 50 };
        await foreach (var update in Client(host).CompleteChatStreamingAsync([new UserChatMessage("Hi")], options))
        {
            foreach (var part in update.ContentUpdate)
                text.Append(part.Text);
            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }
        var (prompt, generated) = Expected(host);
        Assert.Equal("Hello world", text.ToString());
        Assert.Equal(OpenAI.Chat.ChatFinishReason.Stop, finish);
        Assert.NotNull(usage); // the SDK asks for stream_options.include_usage
        Assert.Equal(prompt, usage.InputTokenCount);
        Assert.Equal(generated, usage.OutputTokenCount);
        var sampling = host.Engine.Submitted.Single().Sampling;
        Assert.Equal(0.5f, sampling.Temperature);
        Assert.Equal(50, sampling.MaxTokens);
    }

    [SkippableFact]
    public async Task OpenAiChatClient_WrongKey_Throws401()
    {
        await using var host = await TestHost.StartAsync(options: new ServerOptions { ApiKeys = ["sdk-key"] });
        var e = await Assert.ThrowsAsync<ClientResultException>(() => Client(host, "nope").CompleteChatAsync([new UserChatMessage("Hi")]));
        Assert.Equal(401, e.Status);
    }

    // What the SDKs put on the wire for JSON mode and JSON schemas reaches the engine as the request's grammar; a schema
    // keyword that cannot be enforced, and tools, are refused, so the caller sees an error rather than free text.
    [SkippableFact]
    public async Task OpenAiChatClient_JsonResponseFormat_ReachesTheEngineAsAJsonObjectGrammar()
    {
        await using var host = await TestHost.StartAsync();
        var options = new ChatCompletionOptions { ResponseFormat = OpenAI.Chat.ChatResponseFormat.CreateJsonObjectFormat() };
        await Client(host).CompleteChatAsync([new UserChatMessage("Hi")], options);
        Assert.Equal(Meridian.Grammar.Constraints.GrammarSpec.JsonObject, Assert.Single(host.Engine.Submitted).Grammar);
    }

    [SkippableFact]
    public async Task OpenAiChatClient_JsonSchemaResponseFormat_ReachesTheEngineAsTheSchema()
    {
        await using var host = await TestHost.StartAsync();
        var options = new ChatCompletionOptions
        {
            ResponseFormat = OpenAI.Chat.ChatResponseFormat.CreateJsonSchemaFormat("thing", BinaryData.FromString("{\"type\":\"object\"}"), jsonSchemaIsStrict: true),
        };
        await Client(host).CompleteChatAsync([new UserChatMessage("Hi")], options);
        var grammar = Assert.Single(host.Engine.Submitted).Grammar;
        Assert.Equal(Meridian.Grammar.Constraints.GrammarKind.JsonSchema, grammar!.Kind);
        Assert.Equal("{\"type\":\"object\"}", grammar.Source);
    }

    [SkippableFact]
    public async Task OpenAiChatClient_UnenforceableSchema_Throws400NamingTheKeyword()
    {
        await using var host = await TestHost.StartAsync();
        var options = new ChatCompletionOptions
        {
            ResponseFormat = OpenAI.Chat.ChatResponseFormat.CreateJsonSchemaFormat("thing", BinaryData.FromString("{\"type\":\"array\",\"uniqueItems\":true}")),
        };
        var e = await Assert.ThrowsAsync<ClientResultException>(() => Client(host).CompleteChatAsync([new UserChatMessage("Hi")], options));
        Assert.Equal(400, e.Status);
        Assert.Contains("uniqueItems", e.Message);
        Assert.Empty(host.Engine.Submitted);
    }

    // M.E.AI's FunctionInvokingChatClient over the OpenAI SDK's IChatClient runs a whole tool loop against the server:
    // the scripted model calls get_weather (in the demo template's format: it knows no tools, so the generic JSON
    // reply), the client runs the function, and the model answers from its result, streamed and not.
    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task FunctionInvokingChatClient_ToolLoop_CallsTheFunctionAndAnswers(bool streaming)
    {
        var engine = new FakeEngine(DemoModel.Info());
        engine.Run = (request, ct) =>
        {
            string prompt = engine.Model.Tokenizer.Decode(request.PromptTokens.ToArray());
            string reply = prompt.Contains("22 C", StringComparison.Ordinal)
                ? "{\"response\": \"It is 22 C in Oslo.\"}"
                : "{\"tool_calls\": [{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}]}";
            return engine.Reply(request, reply, ct);
        };
        await using var host = await TestHost.StartAsync(engine);
        var cities = new List<string>();
        IChatClient chat = new ChatClientBuilder(Client(host).AsIChatClient()).UseFunctionInvocation().Build();
        var options = new ChatOptions { Tools = [AIFunctionFactory.Create((string city) => { cities.Add(city); return "22 C"; }, "get_weather")] };
        string answer;
        if (streaming)
        {
            var text = new System.Text.StringBuilder();
            await foreach (var update in chat.GetStreamingResponseAsync("Weather in Oslo?", options))
                text.Append(update.Text);
            answer = text.ToString();
        }
        else
            answer = (await chat.GetResponseAsync("Weather in Oslo?", options)).Text;
        Assert.Equal(["Oslo"], cities);
        Assert.Equal("It is 22 C in Oslo.", answer);
        Assert.Equal(2, host.Engine.Submitted.Count);
        Assert.All(host.Engine.Submitted, r => Assert.NotNull(r.Grammar)); // a template without tools: the generic reply is enforced
    }

    [SkippableFact]
    public async Task ExtensionsAiChatClient_NonStreaming_ReplyAndUsage()
    {
        await using var host = await TestHost.StartAsync();
        IChatClient chat = Client(host).AsIChatClient();
        var response = await chat.GetResponseAsync("Hi");
        var (prompt, generated) = Expected(host);
        Assert.Equal("Hello world", response.Text);
        Assert.Equal(Microsoft.Extensions.AI.ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal(prompt, response.Usage!.InputTokenCount);
        Assert.Equal(generated, response.Usage.OutputTokenCount);
    }

    [SkippableFact]
    public async Task ExtensionsAiChatClient_Streaming_ReplyAndUsage()
    {
        await using var host = await TestHost.StartAsync();
        IChatClient chat = Client(host).AsIChatClient();
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in chat.GetStreamingResponseAsync("Hi"))
            updates.Add(update);
        var response = updates.ToChatResponse();
        var (prompt, generated) = Expected(host);
        Assert.Equal("Hello world", response.Text);
        Assert.Equal(Microsoft.Extensions.AI.ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal(prompt, response.Usage!.InputTokenCount);
        Assert.Equal(generated, response.Usage.OutputTokenCount);
    }
}
