// Structured output Meridian cannot enforce yet, malformed tools and the deprecated function calling: each is a 400 naming it
// (never silently ignored), streamed or not, before the engine sees anything; the "none" forms still work, and the
// structured output that is served reaches the engine as the request's grammar.
namespace Meridian.Server.Tests;

public sealed class UnsupportedFieldsTests
{
    private const string Chat = "v1/chat/completions";
    private const string Completions = "v1/completions";
    private const string Hi = "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]";
    private const string Prompt = "\"prompt\":\"In the beginning\"";
    private const string Invalid = "invalid_request_error";
    private const string Structured = "rather than return unconstrained text";
    private const string ToolCalling = "deprecated function calling";

    // Structured-output fields both endpoints refuse: (field, param, what the message says).
    public static TheoryData<string, string, string> StructuredOutputFields => new()
    {
        { "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\",\"schema\":{\"type\":\"object\",\"propertyNames\":{}}}}", "response_format.json_schema.schema", "'propertyNames'" },
        { "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"has space\",\"schema\":{}}}", "response_format.json_schema.name", "1 to 64" },
        { "\"response_format\":{\"type\":\"json_schema\"}", "response_format.json_schema", "missing" },
        { "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\",\"strict\":\"yes\",\"schema\":{}}}", "response_format.json_schema.strict", "boolean" },
        { "\"response_format\":{\"type\":\"regex\"}", "response_format.type", "'regex'" },
        { "\"response_format\":\"json\"", "response_format", "a string" },
        { "\"response_format\":[]", "response_format", "an array" },
        { "\"response_format\":{}", "response_format.type", "missing" },
        { "\"response_format\":{\"type\":5}", "response_format.type", "not a string" },
        { "\"json_schema\":{\"type\":\"object\",\"not\":{}}", "json_schema", "cannot be enforced" },
        { "\"json_schema\":5", "json_schema", "must be a JSON Schema" },
        { "\"grammar\":\"root ::= item\"", "grammar", "never defined" },
        { "\"grammar\":5", "grammar", "must be a string" },
        { "\"guided_json\":\"{not json\"", "guided_json", "not JSON" },
        { "\"guided_regex\":\"(?=a)b\"", "guided_regex", "lookaround" },
        { "\"guided_regex\":5", "guided_regex", "must be a string" },
        { "\"response_format\":{\"type\":\"json_object\",\"schema\":{\"type\":\"number\",\"multipleOf\":0.5}}", "response_format.schema", "'multipleOf' 0.5 on type number" },
        { "\"response_format\":{\"type\":\"json_object\"},\"guided_regex\":\"a\"", "guided_regex", "both constrain" },
        { "\"guided_choice\":[\"yes\",\"no\"]", "guided_choice", Structured },
        { "\"guided_grammar\":\"root ::= \\\"a\\\"\"", "guided_grammar", Structured },
        { "\"structured_outputs\":{\"choice\":[\"a\"]}", "structured_outputs.choice", Structured },
    };

    [SkippableTheory]
    [MemberData(nameof(StructuredOutputFields))]
    public async Task ChatCompletions_StructuredOutput_Returns400NamingField(string field, string param, string mention)
    {
        await using var host = await TestHost.StartAsync();
        using var response = await host.PostJsonAsync(Chat, "{" + Hi + "," + field + "}");
        await ErrorAssert.IsAsync(response, 400, Invalid, param, null, mention);
        Assert.Empty(host.Engine.Submitted);
    }

    [SkippableTheory]
    [MemberData(nameof(StructuredOutputFields))]
    public async Task Completions_StructuredOutput_Returns400NamingField(string field, string param, string mention)
    {
        await using var host = await TestHost.StartAsync();
        using var response = await host.PostJsonAsync(Completions, "{" + Prompt + "," + field + "}");
        await ErrorAssert.IsAsync(response, 400, Invalid, param, null, mention);
        Assert.Empty(host.Engine.Submitted);
    }

    [SkippableTheory]
    [InlineData("\"functions\":[{\"name\":\"get_weather\",\"parameters\":{}}]", "functions")]
    [InlineData("\"function_call\":\"auto\"", "function_call")]
    [InlineData("\"function_call\":{\"name\":\"get_weather\"}", "function_call")]
    public async Task ChatCompletions_DeprecatedFunctionCalling_Returns400NamingField(string field, string param)
    {
        await using var host = await TestHost.StartAsync();
        using var response = await host.PostJsonAsync(Chat, "{" + Hi + "," + field + "}");
        await ErrorAssert.IsAsync(response, 400, Invalid, param, null, ToolCalling, $"'{param}'");
        Assert.Empty(host.Engine.Submitted);
    }

    // The deprecated function-calling forms in a conversation.
    [SkippableTheory]
    [InlineData("{\"role\":\"assistant\",\"content\":null,\"function_call\":{\"name\":\"f\",\"arguments\":\"{}\"}}", "messages[1].function_call")]
    [InlineData("{\"role\":\"function\",\"name\":\"f\",\"content\":\"22 C\"}", "messages[1].role")]
    public async Task ChatCompletions_DeprecatedFunctionMessages_Returns400NamingMessage(string message, string param)
    {
        await using var host = await TestHost.StartAsync();
        using var response = await host.PostJsonAsync(Chat, "{\"messages\":[{\"role\":\"user\",\"content\":\"Weather?\"}," + message + "]}");
        await ErrorAssert.IsAsync(response, 400, Invalid, param, null, ToolCalling, $"'{param}'");
        Assert.Empty(host.Engine.Submitted);
    }

    [SkippableTheory]
    [InlineData("{\"role\":\"tool\",\"content\":\"22 C\"}", "messages[1].tool_call_id", "missing")]
    [InlineData("{\"role\":\"user\",\"content\":\"x\",\"tool_calls\":[]}", "messages[1].tool_calls", "assistant messages only")]
    [InlineData("{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\"}]}", "messages[1].tool_calls[0]", "must be")]
    public async Task ChatCompletions_MalformedToolMessages_Returns400NamingMessage(string message, string param, string mention)
    {
        await using var host = await TestHost.StartAsync();
        using var response = await host.PostJsonAsync(Chat, "{\"messages\":[{\"role\":\"user\",\"content\":\"Weather?\"}," + message + "]}");
        await ErrorAssert.IsAsync(response, 400, Invalid, param, null, mention);
        Assert.Empty(host.Engine.Submitted);
    }

    [SkippableTheory]
    [InlineData("\"tools\":{}", "tools", "must be an array")]
    [InlineData("\"tools\":[{\"type\":\"function\"}]", "tools[0].function", "missing")]
    [InlineData("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"a b\"}}]", "tools[0].function.name", "1 to 64")]
    [InlineData("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}},{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]", "tools[1].function.name", "Two tools")]
    [InlineData("\"tool_choice\":\"required\"", "tool_choice", "needs 'tools'")]
    [InlineData("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"g\"}}", "tool_choice.function.name", "not one of the tools")]
    [InlineData("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"tool_choice\":\"sometimes\"", "tool_choice", "must be")]
    [InlineData("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{\"type\":\"array\",\"uniqueItems\":true}}}],\"tool_choice\":\"required\"", "tools", "uniqueItems")]
    public async Task ChatCompletions_BadTools_Returns400NamingField(string field, string param, string mention)
    {
        await using var host = await TestHost.StartAsync();
        using var response = await host.PostJsonAsync(Chat, "{" + Hi + "," + field + "}");
        await ErrorAssert.IsAsync(response, 400, Invalid, param, null, mention);
        Assert.Empty(host.Engine.Submitted);
    }

    // Refused before the stream starts: a JSON error body (ErrorAssert checks the content type), not SSE.
    [SkippableTheory]
    [InlineData(Chat, "{" + Hi + ",\"stream\":true,\"response_format\":{\"type\":\"json_schema\"}}", "response_format.json_schema")]
    [InlineData(Chat, "{" + Hi + ",\"stream\":true,\"tools\":{}}", "tools")]
    [InlineData(Chat, "{" + Hi + ",\"stream\":true,\"tool_choice\":\"required\"}", "tool_choice")]
    [InlineData(Completions, "{" + Prompt + ",\"stream\":true,\"grammar\":\"root ::= b\"}", "grammar")]
    [InlineData(Completions, "{" + Prompt + ",\"stream\":true,\"response_format\":{\"type\":\"json_schema\"}}", "response_format.json_schema")]
    public async Task Streaming_UnsupportedField_Returns400BeforeAnyEvent(string path, string body, string param)
    {
        await using var host = await TestHost.StartAsync();
        using var response = await host.PostJsonAsync(path, body);
        await ErrorAssert.IsAsync(response, 400, Invalid, param, null);
        Assert.Empty(host.Engine.Submitted);
    }

    [SkippableTheory]
    [InlineData(Chat, "\"response_format\":{\"type\":\"json_object\"}", "JsonObject", null)]
    [InlineData(Completions, "\"response_format\":{\"type\":\"json_object\",\"schema\":null}", "JsonObject", null)]
    [InlineData(Chat, "\"guided_regex\":\"(yes|no)\"", "Regex", "(yes|no)")]
    [InlineData(Completions, "\"structured_outputs\":{\"regex\":\"[0-9]{3}\"}", "Regex", "[0-9]{3}")]
    [InlineData(Chat, "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"pt\",\"strict\":true,\"schema\":{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"integer\"}},\"required\":[\"x\"]}}}", "JsonSchema", "{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"integer\"}},\"required\":[\"x\"]}")]
    [InlineData(Chat, "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"any\"}}", "JsonObject", null)]
    [InlineData(Completions, "\"json_schema\":{\"type\":\"integer\"}", "JsonSchema", "{\"type\":\"integer\"}")]
    [InlineData(Completions, "\"guided_json\":\"{\\\"type\\\":\\\"boolean\\\"}\"", "JsonSchema", "{\"type\":\"boolean\"}")]
    [InlineData(Chat, "\"structured_outputs\":{\"json\":{\"enum\":[1,2]}}", "JsonSchema", "{\"enum\":[1,2]}")]
    [InlineData(Completions, "\"grammar\":\"root ::= [0-9]+\"", "Gbnf", "root ::= [0-9]+")]
    public async Task ServedStructuredOutput_ReachesTheEngineAsTheRequestsGrammar(string path, string field, string kind, string? pattern)
    {
        await using var host = await TestHost.StartAsync();
        using var response = await host.PostJsonAsync(path, "{" + (path == Chat ? Hi : Prompt) + "," + field + "}");
        Assert.Equal(200, (int)response.StatusCode);
        var grammar = Assert.Single(host.Engine.Submitted).Grammar;
        Assert.NotNull(grammar);
        Assert.Equal(kind, grammar.Kind.ToString());
        Assert.Equal(pattern, grammar.Source);
    }

    [SkippableFact]
    public async Task ChatCompletions_NoneForms_AreAcceptedAndGenerate()
    {
        await using var host = await TestHost.StartAsync();
        var json = await host.PostForJsonAsync(Chat, "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}," +
            "{\"role\":\"assistant\",\"content\":\"Hello\",\"tool_calls\":[],\"function_call\":null},{\"role\":\"user\",\"content\":\"Again\"}]," +
            "\"response_format\":{\"type\":\"text\"},\"tools\":[],\"tool_choice\":\"none\",\"functions\":null,\"function_call\":\"none\"," +
            "\"parallel_tool_calls\":false,\"json_schema\":null,\"grammar\":null,\"guided_json\":null}");
        Assert.Equal("Hello world", json.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Single(host.Engine.Submitted);
    }

    [SkippableFact]
    public async Task ChatCompletions_ResponseFormatTextOrNull_SamePromptAsWithout()
    {
        await using var host = await TestHost.StartAsync();
        await host.PostForJsonAsync(Chat, "{" + Hi + "}");
        await host.PostForJsonAsync(Chat, "{" + Hi + ",\"response_format\":{\"type\":\"text\"}}");
        using (var streamed = await host.PostJsonAsync(Chat, "{" + Hi + ",\"response_format\":null,\"stream\":true}"))
        {
            Assert.Equal(200, (int)streamed.StatusCode);
            Assert.Equal("[DONE]", Sse.Parse(await streamed.Content.ReadAsStringAsync())[^1]);
        }
        var prompts = host.Engine.Submitted.Select(r => r.PromptTokens).ToArray();
        Assert.Equal(3, prompts.Length);
        Assert.Equal(prompts[0], prompts[1]);
        Assert.Equal(prompts[0], prompts[2]);
    }

    [SkippableFact]
    public async Task Completions_ResponseFormatText_IsAccepted()
    {
        await using var host = await TestHost.StartAsync();
        var json = await host.PostForJsonAsync(Completions, "{" + Prompt + ",\"response_format\":{\"type\":\"text\"},\"grammar\":null}");
        Assert.Equal("Hello world", json.GetProperty("choices")[0].GetProperty("text").GetString());
    }
}
