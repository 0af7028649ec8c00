// Every way a request can be refused, with the exact status and OpenAI error body (the field named in param).
using Meridian.Engine.Serving;

namespace Meridian.Server.Tests;

public sealed class ErrorResponseTests
{
    private const string Chat = "v1/chat/completions";
    private const string Hi = "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]";
    private const string Invalid = "invalid_request_error";

    [SkippableFact]
    public async Task ChatCompletions_MalformedJson_Returns400WithoutParam()
    {
        await using var host = await TestHost.StartAsync();
        using var response = await host.PostJsonAsync(Chat, "{\"messages\": [");
        await ErrorAssert.IsAsync(response, 400, Invalid, null, null, "not valid JSON");
    }

    [SkippableFact]
    public async Task ChatCompletions_BodyNotAnObject_Returns400()
    {
        await using var host = await TestHost.StartAsync();
        using var response = await host.PostJsonAsync(Chat, "[1, 2]");
        await ErrorAssert.IsAsync(response, 400, Invalid, null, null, "JSON object", "an array");
    }

    [SkippableTheory]
    [InlineData("\"temperature\":\"hot\"", "temperature", "a string")]
    [InlineData("\"n\":1.5", "n", "a number 1.5")]
    [InlineData("\"stream\":\"yes\"", "stream", "a string")]
    [InlineData("\"messages\":[{\"role\":7,\"content\":\"Hi\"}]", "messages[0].role", "a number 7")]
    [InlineData("\"logit_bias\":{\"5\":\"x\"}", "logit_bias.5", "a string")]
    public async Task ChatCompletions_WrongType_Returns400NamingField(string field, string param, string got)
    {
        await using var host = await TestHost.StartAsync();
        string body = field.StartsWith("\"messages\"", StringComparison.Ordinal) ? "{" + field + "}" : "{" + Hi + "," + field + "}";
        using var response = await host.PostJsonAsync(Chat, body);
        await ErrorAssert.IsAsync(response, 400, Invalid, param, null, $"'{param}'", got);
    }

    [SkippableTheory]
    [InlineData("\"temperature\":2.5", "temperature", "[0, 2]")]
    [InlineData("\"temperature\":-0.1", "temperature", "[0, 2]")]
    [InlineData("\"top_p\":0", "top_p", "(0, 1]")]
    [InlineData("\"top_p\":1.01", "top_p", "(0, 1]")]
    [InlineData("\"presence_penalty\":2.5", "presence_penalty", "[-2, 2]")]
    [InlineData("\"frequency_penalty\":-3", "frequency_penalty", "[-2, 2]")]
    [InlineData("\"top_k\":-2", "top_k", "at least 1")]
    [InlineData("\"min_p\":1.5", "min_p", "[0, 1]")]
    [InlineData("\"repetition_penalty\":0", "repetition_penalty", "(0, 10]")]
    [InlineData("\"n\":0", "n", "[1, 16]")]
    [InlineData("\"n\":17", "n", "[1, 16]")]
    [InlineData("\"max_tokens\":0", "max_tokens", "at least 1")]
    [InlineData("\"max_completion_tokens\":-5", "max_completion_tokens", "at least 1")]
    [InlineData("\"logprobs\":true,\"top_logprobs\":21", "top_logprobs", "[0, 20]")]
    [InlineData("\"top_logprobs\":2", "top_logprobs", "logprobs")]
    [InlineData("\"logit_bias\":{\"5\":101}", "logit_bias", "[-100, 100]")]
    [InlineData("\"logit_bias\":{\"abc\":1}", "logit_bias", "\"abc\"")]
    [InlineData("\"logit_bias\":{\"4096\":1}", "logit_bias", "[0, 4096)")]
    [InlineData("\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]", "stop", "at most 4")]
    [InlineData("\"stop\":[\"a\",3]", "stop[1]", "a number")]
    [InlineData("\"stop\":\"\"", "stop", "empty")]
    [InlineData("\"stop\":{}", "stop", "an object")]
    public async Task ChatCompletions_OutOfRange_Returns400NamingField(string field, string param, string mention)
    {
        await using var host = await TestHost.StartAsync();
        using var response = await host.PostJsonAsync(Chat, "{" + Hi + "," + field + "}");
        await ErrorAssert.IsAsync(response, 400, Invalid, param, null, mention);
        Assert.Empty(host.Engine.Submitted);
    }

    [SkippableTheory]
    [InlineData("{}", "messages", "non-empty")]
    [InlineData("{\"messages\":[]}", "messages", "non-empty")]
    [InlineData("{\"messages\":[null]}", "messages[0]", "null")]
    [InlineData("{\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}", "messages[0].tool_call_id", "missing")]
    [InlineData("{\"messages\":[{\"content\":\"x\"}]}", "messages[0].role", "missing")]
    [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":5}]}", "messages[0].content", "a number")]
    [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"image_url\",\"image_url\":{}}]}]}",
        "messages[0].content[1].type", "'image_url'")]
    [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\"}]}]}", "messages[0].content[0].text", "missing")]
    public async Task ChatCompletions_BadMessages_Returns400NamingMessage(string body, string param, string mention)
    {
        await using var host = await TestHost.StartAsync();
        using var response = await host.PostJsonAsync(Chat, body);
        await ErrorAssert.IsAsync(response, 400, Invalid, param, null, mention);
    }

    [SkippableFact]
    public async Task ChatCompletions_TemplateRaises_Returns400WithTemplateMessage()
    {
        var model = DemoModel.Info() with { ChatTemplate = Meridian.Tokenizers.Templates.ChatTemplate.Parse("{{ raise_exception('roles must alternate') }}") };
        await using var host = await TestHost.StartAsync(new FakeEngine(model));
        using var response = await host.PostJsonAsync(Chat, "{" + Hi + "}");
        await ErrorAssert.IsAsync(response, 400, Invalid, "messages", null, "roles must alternate");
    }

    [SkippableFact]
    public async Task ChatCompletions_UnknownModel_Returns404ModelNotFound()
    {
        await using var host = await TestHost.StartAsync();
        using var response = await host.PostJsonAsync(Chat, "{\"model\":\"gpt-4o\"," + Hi + "}");
        await ErrorAssert.IsAsync(response, 404, Invalid, "model", "model_not_found", "gpt-4o");
    }

    [SkippableFact]
    public async Task ChatCompletions_UnknownFields_AreIgnored()
    {
        await using var host = await TestHost.StartAsync();
        var json = await host.PostForJsonAsync(Chat, "{\"model\":\"meridian-demo\"," + Hi + ",\"tools_choice\":\"none\",\"service_tier\":{\"x\":1},\"user\":\"u1\"}");
        Assert.Equal("Hello world", json.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
    }

    [SkippableFact]
    public async Task ChatCompletions_PromptTooLong_Returns400WithBothNumbers()
    {
        await using var host = await TestHost.StartAsync();
        host.Engine.Refuse = r => new PromptTooLongException(r.PromptTokens.Count + 300, 256);
        using var response = await host.PostJsonAsync(Chat, "{" + Hi + "}");
        string message = await ErrorAssert.IsAsync(response, 400, Invalid, "messages", "context_length_exceeded", "256");
        // Both numbers: the context (256) and the prompt's count (the fake adds 300 to the real prompt length).
        Assert.Matches(@"maximum context length is 256 tokens, but the prompt has 3\d\d tokens", message);
    }

    [SkippableFact]
    public async Task Completions_PromptTooLong_NamesPrompt()
    {
        await using var host = await TestHost.StartAsync();
        host.Engine.Refuse = _ => new PromptTooLongException(400, 256);
        using var response = await host.PostJsonAsync("v1/completions", "{\"prompt\":\"In the beginning\"}");
        await ErrorAssert.IsAsync(response, 400, Invalid, "prompt", "context_length_exceeded", "256", "400");
    }

    [SkippableFact]
    public async Task ChatCompletions_QueueFull_Returns429WithRetryAfter()
    {
        await using var host = await TestHost.StartAsync();
        host.Engine.Refuse = _ => new EngineQueueFullException(64);
        using var response = await host.PostJsonAsync(Chat, "{" + Hi + "}");
        Assert.Equal("1", response.Headers.GetValues("Retry-After").Single());
        await ErrorAssert.IsAsync(response, 429, "rate_limit_error", null, "rate_limit_exceeded", "64");
    }

    [SkippableFact]
    public async Task ChatCompletions_SecondChoiceRefused_CancelsTheFirst()
    {
        await using var host = await TestHost.StartAsync();
        int submits = 0;
        host.Engine.Run = (r, ct) => host.Engine.Endless(r, ct);
        host.Engine.Refuse = _ => ++submits == 2 ? new EngineQueueFullException(1) : null;
        using var response = await host.PostJsonAsync(Chat, "{" + Hi + ",\"n\":2}");
        await ErrorAssert.IsAsync(response, 429, "rate_limit_error", null, "rate_limit_exceeded");
        Assert.Equal("chatcmpl-", (await host.Engine.FirstCancel.Task.WaitAsync(TimeSpan.FromSeconds(5)))[..9]);
    }

    [SkippableFact]
    public async Task ChatCompletions_BodyOverLimit_Returns413()
    {
        await using var host = await TestHost.StartAsync(options: new ServerOptions { MaxRequestBodyBytes = 1000 });
        string big = new('x', 2000);
        using var response = await host.PostJsonAsync(Chat, "{\"messages\":[{\"role\":\"user\",\"content\":\"" + big + "\"}]}");
        await ErrorAssert.IsAsync(response, 413, Invalid, null, "request_too_large", "1000");
    }

    [SkippableFact]
    public async Task UnknownRoute_Returns404InErrorShape()
    {
        await using var host = await TestHost.StartAsync();
        using var response = await host.PostJsonAsync("v1/embeddings", "{}");
        await ErrorAssert.IsAsync(response, 404, Invalid, null, "not_found", "POST /v1/embeddings");
    }

    [SkippableFact]
    public async Task WrongMethod_Returns405InErrorShape()
    {
        await using var host = await TestHost.StartAsync();
        using var response = await host.Client.GetAsync(Chat);
        await ErrorAssert.IsAsync(response, 405, Invalid, null, "method_not_allowed", "GET", "POST");
    }

    [SkippableFact]
    public async Task EngineFailure_Returns500WithoutStackTrace()
    {
        await using var host = await TestHost.StartAsync();
        host.Engine.Refuse = _ => new InvalidOperationException("secret internal detail");
        using var response = await host.PostJsonAsync(Chat, "{" + Hi + "}");
        string message = await ErrorAssert.IsAsync(response, 500, "server_error", null, null);
        Assert.DoesNotContain("secret", message);
        Assert.DoesNotContain(" at ", await response.Content.ReadAsStringAsync());
    }
}
