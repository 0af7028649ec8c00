// /tokenize and /detokenize (vLLM shapes) and /v1/models, /health.
using System.Text.Json;
using Meridian.Engine.Serving;

namespace Meridian.Server.Tests;

public sealed class TokenizeTests
{
    [SkippableFact]
    public async Task TokenizeThenDetokenize_RoundTripsText()
    {
        await using var host = await TestHost.StartAsync();
        const string text = "In the beginning God created the heaven and the earth.";
        var json = await host.PostForJsonAsync("tokenize", $"{{\"prompt\":\"{text}\"}}");
        var tokens = json.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()).ToArray();
        Assert.Equal(tokens.Length, json.GetProperty("count").GetInt32());
        Assert.Equal(DemoModel.MaxContext, json.GetProperty("max_model_len").GetInt32());
        Assert.True(tokens.Length < text.Length, "BPE should merge characters into fewer tokens");
        var back = await host.PostForJsonAsync("detokenize", $"{{\"tokens\":[{string.Join(',', tokens)}]}}");
        Assert.Equal(text, back.GetProperty("prompt").GetString());
    }

    [SkippableFact]
    public async Task Tokenize_Messages_MatchesChatPrompt()
    {
        await using var host = await TestHost.StartAsync();
        var json = await host.PostForJsonAsync("tokenize", "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        var tokens = json.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()).ToArray();
        // Hand-written ChatML with the assistant turn opened.
        var expected = host.Engine.Model.Tokenizer.Encode("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", parseSpecial: true);
        Assert.Equal(expected, tokens);
    }

    [SkippableTheory]
    [InlineData("detokenize", "{\"tokens\":[1,99999]}", "tokens[1]", "99999")]
    [InlineData("detokenize", "{}", "tokens", "missing")]
    [InlineData("detokenize", "{\"tokens\":\"abc\"}", "tokens", "a string")]
    [InlineData("tokenize", "{}", "prompt", "messages")]
    [InlineData("tokenize", "{\"prompt\":\"a\",\"messages\":[]}", "messages", "not both")]
    public async Task BadRequest_Returns400NamingField(string path, string body, string param, string mention)
    {
        await using var host = await TestHost.StartAsync();
        using var response = await host.PostJsonAsync(path, body);
        await ErrorAssert.IsAsync(response, 400, "invalid_request_error", param, null, mention);
    }

    [SkippableFact]
    public async Task Models_ListsTheServedModel()
    {
        await using var host = await TestHost.StartAsync();
        var json = JsonDocument.Parse(await host.Client.GetStringAsync("v1/models")).RootElement;
        Assert.Equal("list", json.GetProperty("object").GetString());
        var model = json.GetProperty("data").EnumerateArray().Single();
        Assert.Equal(DemoModel.Name, model.GetProperty("id").GetString());
        Assert.Equal("model", model.GetProperty("object").GetString());
        Assert.Equal(DemoModel.Created, model.GetProperty("created").GetInt64());
        Assert.Equal("meridian", model.GetProperty("owned_by").GetString());
        Assert.Equal(DemoModel.MaxContext, model.GetProperty("max_model_len").GetInt32());
        using var missing = await host.Client.GetAsync("v1/models/other");
        await ErrorAssert.IsAsync(missing, 404, "invalid_request_error", "model", "model_not_found", "other");
    }

    [SkippableFact]
    public async Task Health_Returns200Ok()
    {
        await using var host = await TestHost.StartAsync();
        using var response = await host.Client.GetAsync("health");
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("ok", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
    }

    [SkippableFact]
    public async Task Health_EngineFaulted_Returns503WithTheReason()
    {
        await using var host = await TestHost.StartAsync();
        host.Engine.Fault = "a \"kernel\" failed";
        using var response = await host.Client.GetAsync("health");
        Assert.Equal(503, (int)response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("error", body.GetProperty("status").GetString());
        Assert.Equal("a \"kernel\" failed", body.GetProperty("message").GetString());
    }
}
