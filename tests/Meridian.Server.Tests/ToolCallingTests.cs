// Tool calls on a template with its own format (Qwen3's Hermes-style <tool_call> blocks, with the Qwen3 vocabulary):
// a scripted reply with text and two calls comes back as content and tool_calls with finish_reason "tool_calls",
// and the streamed deltas (id and name first, then the arguments, under each call's index) reassemble into the same
// calls; tool_choice "required" and a named function reach the engine as a grammar of the format's tags, "auto" as
// none; the tools reach the template (the prompt lists them).
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Meridian.Engine.Serving;
using Meridian.Grammar.Constraints;
using Meridian.Tests.Shared;
using Meridian.Tokenizers.Templates;

namespace Meridian.Server.Tests;

public sealed class ToolCallingTests
{
    private const string Tools = "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\"," +
        "\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}},{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}}]";

    private const string Output = "Checking both.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>\n" +
        "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call>";

    [SkippableFact]
    public async Task HermesCalls_NonStreamingAndStreaming_SameCalls()
    {
        var (engine, host) = await Start();
        await using var hostScope = host;
        string body = "{\"messages\":[{\"role\":\"user\",\"content\":\"Weather and time in Oslo?\"}]," + Tools;
        var json = await host.PostForJsonAsync("v1/chat/completions", body + "}");
        var choice = json.GetProperty("choices")[0];
        Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        var message = choice.GetProperty("message");
        Assert.Equal("Checking both.", message.GetProperty("content").GetString());
        var calls = message.GetProperty("tool_calls").EnumerateArray()
            .Select(c => (c.GetProperty("function").GetProperty("name").GetString(), c.GetProperty("function").GetProperty("arguments").GetString())).ToList();
        Assert.Equal([("get_weather", "{\"city\":\"Oslo\"}"), ("get_time", "{}")], calls);
        Assert.All(message.GetProperty("tool_calls").EnumerateArray(), c => Assert.StartsWith("call_", c.GetProperty("id").GetString()));
        string prompt = engine.Model.Tokenizer.Decode(engine.Submitted.First().PromptTokens.ToArray());
        Assert.Contains("get_weather", prompt); // the template listed the tools
        Assert.Equal("<tool_call>", engine.Submitted.First().Grammar!.Trigger); // auto: free text until the trigger

        using var response = await host.PostJsonAsync("v1/chat/completions", body + ",\"stream\":true}");
        var names = new Dictionary<int, string>();
        var args = new Dictionary<int, StringBuilder>();
        var content = new StringBuilder();
        string? finish = null;
        foreach (string data in Sse.Parse(await response.Content.ReadAsStringAsync()))
        {
            if (data == "[DONE]")
                continue;
            var c = JsonDocument.Parse(data).RootElement.GetProperty("choices")[0];
            if (c.GetProperty("finish_reason").ValueKind == JsonValueKind.String)
                finish = c.GetProperty("finish_reason").GetString();
            var delta = c.GetProperty("delta");
            if (delta.TryGetProperty("content", out var text))
                content.Append(text.GetString());
            if (!delta.TryGetProperty("tool_calls", out var deltas))
                continue;
            foreach (var d in deltas.EnumerateArray())
            {
                int index = d.GetProperty("index").GetInt32();
                var f = d.GetProperty("function");
                if (f.TryGetProperty("name", out var name))
                {
                    Assert.False(names.ContainsKey(index), "the name comes once, first");
                    Assert.True(d.TryGetProperty("id", out _), "the id comes with the name");
                    names[index] = name.GetString()!;
                    args[index] = new StringBuilder();
                }
                if (f.TryGetProperty("arguments", out var a))
                    args[index].Append(a.GetString());
            }
        }
        Assert.Equal("tool_calls", finish);
        Assert.Equal("Checking both.", content.ToString());
        Assert.Equal(calls, names.OrderBy(k => k.Key).Select(k => ((string?)k.Value, (string?)args[k.Key].ToString())).ToList());
    }

    [SkippableTheory]
    [InlineData("\"required\"", true)]
    [InlineData("{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}", false)]
    [InlineData("\"auto\"", null)]
    public async Task ToolChoice_ConstrainsFromTheFirstToken_OnlyWhenAskedTo_AutoFromTheTrigger(string choice, bool? parallel)
    {
        var (engine, host) = await Start();
        await using var hostScope = host;
        await host.PostForJsonAsync("v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"Oslo?\"}]," + Tools + ",\"tool_choice\":" + choice + "}");
        var grammar = engine.Submitted.Single().Grammar;
        Assert.NotNull(grammar);
        // auto: a lazy grammar, free until the format's trigger; required and named: from the first token.
        Assert.Equal(parallel is null ? "<tool_call>" : null, grammar.Trigger);
        parallel ??= true;
        Assert.Equal(GrammarKind.JsonSchema, grammar.Kind);
        Assert.Equal("<tool_call>\n", grammar.Prefix);
        Assert.Equal("\n</tool_call>", grammar.Suffix);
        Assert.True(grammar.Repeated); // parallel_tool_calls defaults to true
        Assert.Equal(parallel, grammar.Source!.Contains("get_time", StringComparison.Ordinal)); // a named function: only its calls
    }

    private static async Task<(FakeEngine, TestHost)> Start()
    {
        var tokenizer = Meridian.Models.Tokenizers.TokenizerLoader.Load(TestData.Require("hf-tokenizers/qwen3/tokenizer.json"));
        var chat = ChatTemplate.Parse(File.ReadAllText(TestData.Require("chat-templates/templates/qwen3.jinja")), "qwen3");
        var info = new EngineModelInfo("qwen3-tools", tokenizer, chat, new ChatTemplateSpecialTokens(null, "<|im_end|>"), 4096, 0);
        var engine = new FakeEngine(info) { Run = Pieces };
        return (engine, await TestHost.StartAsync(engine));
    }

    // The output in five-character pieces, so that tags fall across pieces.
    private static async IAsyncEnumerable<RequestOutput> Pieces(EngineRequest request, [EnumeratorCancellation] CancellationToken ct)
    {
        for (int i = 0; i < Output.Length; i += 5)
        {
            await Task.Yield();
            ct.ThrowIfCancellationRequested();
            bool last = i + 5 >= Output.Length;
            yield return new RequestOutput
            {
                TokenIds = [0],
                Text = Output[i..Math.Min(Output.Length, i + 5)],
                FinishReason = last ? FinishReason.Stop : null,
                Usage = new Usage(request.PromptTokens.Count, i / 5 + 1, 0),
            };
        }
    }
}
