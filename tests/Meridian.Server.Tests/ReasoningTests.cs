// Think tags kept out of the answer. The splitter against hand-written cases, fed whole and cut at every position
// (tags split across stream pieces); then chat completions over the Qwen3 vocabulary (which has <think> and </think>
// tokens) with Qwen3's template (the model opens the tag) and DeepSeek-R1's (the template opens it in the prompt):
// reasoning_content and content apart, streamed and not, the same text either way.
using System.Text;
using System.Text.Json;
using System.Runtime.CompilerServices;
using Meridian.Engine.Serving;
using Meridian.Tests.Shared;
using Meridian.Server.ChatCompletions;
using Meridian.Tokenizers.Templates;

namespace Meridian.Server.Tests;

public sealed class ReasoningTests
{
    [Theory]
    [InlineData(false, "<think>weigh it</think>\n\nThe answer.", "weigh it", "The answer.", true)]
    [InlineData(false, "\n<think>a<b</think>c", "a<b", "c", true)]
    [InlineData(true, "weigh it</think>\n\nThe answer.", "weigh it", "The answer.", true)]
    [InlineData(false, "plain answer", "", "plain answer", false)]
    [InlineData(false, "<thinking> is not a tag", "", "<thinking> is not a tag", false)]
    [InlineData(false, "<think>cut off", "cut off", "", true)]
    [InlineData(true, "no close", "no close", "", true)]
    [InlineData(false, "<think></think>", "", "", true)]
    public void Splitter_EveryCut_SameReasoningAndContent(bool startsInside, string output, string reasoning, string content, bool saw)
    {
        for (int cut = 0; cut <= output.Length; cut++)
        {
            var s = new ReasoningSplitter(startsInside);
            var (r1, c1) = s.Push(output[..cut]);
            var (r2, c2) = s.Push(output[cut..]);
            var (r3, c3) = s.Flush();
            Assert.Equal(reasoning, r1 + r2 + r3);
            Assert.Equal(content, c1 + c2 + c3);
            Assert.Equal(saw, s.SawReasoning);
        }
        var each = new ReasoningSplitter(startsInside);
        var r = new StringBuilder();
        var c = new StringBuilder();
        foreach (char ch in output)
        {
            var (pr, pc) = each.Push(ch.ToString());
            r.Append(pr);
            c.Append(pc);
        }
        var (fr, fc) = each.Flush();
        Assert.Equal(reasoning, r.Append(fr).ToString());
        Assert.Equal(content, c.Append(fc).ToString());
    }

    [SkippableTheory]
    [InlineData("qwen3.jinja", "<think>The user greets.</think>\n\nHello!")]
    [InlineData("deepseek-r1-distill-qwen.jinja", "The user greets.</think>\n\nHello!")]
    public async Task ChatCompletion_ReasoningApartFromContent_StreamedAndNot(string template, string output)
    {
        var tokenizer = Meridian.Models.Tokenizers.TokenizerLoader.Load(TestData.Require("hf-tokenizers/qwen3/tokenizer.json"));
        var chat = ChatTemplate.Parse(File.ReadAllText(TestData.Require($"chat-templates/templates/{template}")), template);
        var info = new EngineModelInfo("reasoner", tokenizer, chat, new ChatTemplateSpecialTokens(null, "<|im_end|>"), 4096, 0);
        var engine = new FakeEngine(info) { Run = (r, ct) => Pieces(r, output, ct) };
        await using var host = await TestHost.StartAsync(engine);
        const string body = "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]";
        var json = await host.PostForJsonAsync("v1/chat/completions", body + "}");
        var message = json.GetProperty("choices")[0].GetProperty("message");
        Assert.Equal("The user greets.", message.GetProperty("reasoning_content").GetString());
        Assert.Equal("Hello!", message.GetProperty("content").GetString());

        using var response = await host.PostJsonAsync("v1/chat/completions", body + ",\"stream\":true}");
        var reasoning = new StringBuilder();
        var content = new StringBuilder();
        foreach (string data in Sse.Parse(await response.Content.ReadAsStringAsync()))
        {
            if (data == "[DONE]")
                continue;
            var chunk = JsonDocument.Parse(data).RootElement;
            if (chunk.GetProperty("choices").GetArrayLength() == 0)
                continue;
            var delta = chunk.GetProperty("choices")[0].GetProperty("delta");
            if (delta.TryGetProperty("reasoning_content", out var r))
                reasoning.Append(r.GetString());
            if (delta.TryGetProperty("content", out var c))
                content.Append(c.GetString());
        }
        Assert.Equal("The user greets.", reasoning.ToString());
        Assert.Equal("Hello!", content.ToString());
    }

    // The output in pieces of three characters, so that tags fall across pieces.
    private static async IAsyncEnumerable<RequestOutput> Pieces(EngineRequest request, string output, [EnumeratorCancellation] CancellationToken ct)
    {
        for (int i = 0; i < output.Length; i += 3)
        {
            await Task.Yield();
            ct.ThrowIfCancellationRequested();
            bool last = i + 3 >= output.Length;
            yield return new RequestOutput
            {
                TokenIds = [0],
                Text = output[i..Math.Min(output.Length, i + 3)],
                FinishReason = last ? FinishReason.Stop : null,
                Usage = new Usage(request.PromptTokens.Count, i / 3 + 1, 0),
            };
        }
    }
}
