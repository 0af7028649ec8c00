// /v1/completions against the fake engine: prompt forms, echo, legacy logprobs, streaming, defaults.
using System.Text.Json;

namespace Meridian.Server.Tests;

public sealed class CompletionsTests
{
    private const string Completions = "v1/completions";

    [SkippableFact]
    public async Task StringPrompt_EncodedWithSpecialTokens_DefaultMaxTokens16()
    {
        await using var host = await TestHost.StartAsync();
        var json = await host.PostForJsonAsync(Completions, "{\"model\":\"meridian-demo\",\"prompt\":\"In the beginning\"}");
        var submitted = host.Engine.Submitted.Single();
        Assert.Equal(host.Engine.Model.Tokenizer.Encode("In the beginning", addSpecial: true), submitted.PromptTokens);
        Assert.Equal(16, submitted.Sampling.MaxTokens);
        Assert.False(submitted.PromptLogprobs);
        Assert.StartsWith("cmpl-", json.GetProperty("id").GetString());
        Assert.Equal("text_completion", json.GetProperty("object").GetString());
        var choice = json.GetProperty("choices")[0];
        Assert.Equal("Hello world", choice.GetProperty("text").GetString());
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("logprobs").ValueKind);
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(submitted.PromptTokens.Count, json.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [SkippableFact]
    public async Task TokenIdPrompt_PassedThrough_EchoDecodesIt()
    {
        await using var host = await TestHost.StartAsync();
        var tok = host.Engine.Model.Tokenizer;
        var ids = tok.Encode("And God said");
        var json = await host.PostForJsonAsync(Completions, $"{{\"prompt\":[{string.Join(',', ids)}],\"echo\":true}}");
        Assert.Equal(ids, host.Engine.Submitted.Single().PromptTokens);
        Assert.Equal("And God said" + "Hello world", json.GetProperty("choices")[0].GetProperty("text").GetString());
    }

    [SkippableFact]
    public async Task ArrayOfOneString_SameAsString()
    {
        await using var host = await TestHost.StartAsync();
        await host.PostForJsonAsync(Completions, "{\"prompt\":[\"In the beginning\"]}");
        Assert.Equal(host.Engine.Model.Tokenizer.Encode("In the beginning", addSpecial: true), host.Engine.Submitted.Single().PromptTokens);
    }

    [SkippableTheory]
    [InlineData("{}", "prompt", "missing")]
    [InlineData("{\"prompt\":[]}", "prompt", "empty")]
    [InlineData("{\"prompt\":[\"a\",\"b\"]}", "prompt", "one prompt")]
    [InlineData("{\"prompt\":[1,4096]}", "prompt[1]", "4096")]
    [InlineData("{\"prompt\":[1,-2]}", "prompt[1]", "-2")]
    [InlineData("{\"prompt\":[1,2.5]}", "prompt[1]", "2.5")]
    [InlineData("{\"prompt\":[[1,2]]}", "prompt[0]", "an array")]
    [InlineData("{\"prompt\":7}", "prompt", "a number")]
    [InlineData("{\"prompt\":\"x\",\"logprobs\":6}", "logprobs", "[0, 5]")]
    [InlineData("{\"prompt\":\"x\",\"logprobs\":true}", "logprobs", "a boolean")]
    [InlineData("{\"prompt\":\"x\",\"model\":\"davinci-002\"}", "model", "davinci-002")]
    public async Task BadRequest_Returns4xxNamingField(string body, string param, string mention)
    {
        await using var host = await TestHost.StartAsync();
        using var response = await host.PostJsonAsync(Completions, body);
        bool model = param == "model";
        await ErrorAssert.IsAsync(response, model ? 404 : 400, "invalid_request_error", param, model ? "model_not_found" : null, mention);
        Assert.Empty(host.Engine.Submitted);
    }

    [SkippableFact]
    public async Task EchoWithLogprobs_PromptTokensFirstThenGenerated_LegacyShape()
    {
        await using var host = await TestHost.StartAsync();
        var tok = host.Engine.Model.Tokenizer;
        string prompt = "And God said";
        var json = await host.PostForJsonAsync(Completions, $"{{\"prompt\":\"{prompt}\",\"echo\":true,\"logprobs\":2}}");
        var submitted = host.Engine.Submitted.Single();
        Assert.True(submitted.PromptLogprobs);
        Assert.True(submitted.Sampling.Logprobs);
        Assert.Equal(2, submitted.Sampling.TopLogprobs);

        var promptIds = tok.Encode(prompt, addSpecial: true);
        var replyIds = tok.Encode("Hello world");
        var choice = json.GetProperty("choices")[0];
        Assert.Equal(prompt + "Hello world", choice.GetProperty("text").GetString());
        var lp = choice.GetProperty("logprobs");
        var tokens = lp.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()).ToList();
        Assert.Equal(promptIds.Concat(replyIds).Select(id => tok.TokenToPiece(id)), tokens);

        var tokenLogprobs = lp.GetProperty("token_logprobs").EnumerateArray().ToList();
        var top = lp.GetProperty("top_logprobs").EnumerateArray().ToList();
        Assert.Equal(JsonValueKind.Null, tokenLogprobs[0].ValueKind); // the first prompt token has no logprob
        Assert.Equal(JsonValueKind.Null, top[0].ValueKind);
        for (int i = 1; i < promptIds.Length; i++)
            Assert.Equal(-1f, tokenLogprobs[i].GetSingle()); // the fake's prompt logprob
        for (int k = 0; k < replyIds.Length; k++)
        {
            int at = promptIds.Length + k;
            Assert.Equal(FakeEngine.LogprobOf(k), tokenLogprobs[at].GetSingle());
            var alternatives = top[at].EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetSingle());
            Assert.Equal(FakeEngine.LogprobOf(k), alternatives[tok.TokenToPiece(replyIds[k])]);
            Assert.Equal(FakeEngine.LogprobOf(k) - 1, alternatives[tok.TokenToPiece((replyIds[k] + 1) % tok.VocabSize)]);
        }

        // text_offset: each token's start in the text; the reply starts right after the echoed prompt.
        var offsets = lp.GetProperty("text_offset").EnumerateArray().Select(o => o.GetInt32()).ToList();
        Assert.Equal(0, offsets[0]);
        Assert.Equal(prompt.Length, offsets[promptIds.Length]);
        string text = choice.GetProperty("text").GetString()!;
        for (int i = 0; i < tokens.Count; i++)
            Assert.Equal(tokens[i], text.Substring(offsets[i], tokens[i]!.Length));
    }

    [SkippableFact]
    public async Task LogprobsZero_TokenLogprobsWithEmptyAlternatives()
    {
        await using var host = await TestHost.StartAsync();
        var json = await host.PostForJsonAsync(Completions, "{\"prompt\":\"x\",\"logprobs\":0}");
        var lp = json.GetProperty("choices")[0].GetProperty("logprobs");
        int n = host.Engine.Model.Tokenizer.Encode("Hello world").Length;
        Assert.Equal(n, lp.GetProperty("token_logprobs").GetArrayLength());
        Assert.All(lp.GetProperty("top_logprobs").EnumerateArray(), t => Assert.Empty(t.EnumerateObject()));
    }

    [SkippableFact]
    public async Task Streaming_EchoThenTextThenFinishThenUsage()
    {
        await using var host = await TestHost.StartAsync();
        using var response = await host.PostJsonAsync(Completions, "{\"prompt\":\"Amen\",\"echo\":true,\"n\":2,\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
        var events = Sse.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e).RootElement).ToList();
        Assert.All(chunks, c => Assert.Equal("text_completion", c.GetProperty("object").GetString()));
        for (int i = 0; i < 2; i++)
        {
            var mine = chunks.Where(c => c.GetProperty("choices").GetArrayLength() == 1 && c.GetProperty("choices")[0].GetProperty("index").GetInt32() == i)
                .Select(c => c.GetProperty("choices")[0]).ToList();
            Assert.Equal("Amen", mine[0].GetProperty("text").GetString());
            Assert.Equal("AmenHello world", string.Concat(mine.Select(c => c.GetProperty("text").GetString())));
            Assert.Equal("stop", mine[^1].GetProperty("finish_reason").GetString());
            Assert.All(mine[..^1], c => Assert.Equal(JsonValueKind.Null, c.GetProperty("finish_reason").ValueKind));
        }
        var usage = chunks[^1].GetProperty("usage");
        Assert.Empty(chunks[^1].GetProperty("choices").EnumerateArray());
        Assert.Equal(2 * host.Engine.Model.Tokenizer.Encode("Hello world").Length, usage.GetProperty("completion_tokens").GetInt32());
    }
}
