// Tool-call parsing per format on the real chat templates of ../shared/testdata/chat-templates: each template's
// render of an assistant turn with tool calls (made by Jinja2 and @huggingface/jinja, independent engines) is what a
// model trained on that template writes; parsed back, it must give the scenario's calls (names, arguments as JSON),
// one call and two in parallel, and any text before a call as content. Plus the formats' edge cases by hand.
using System.Text.Json.Nodes;
using Meridian.Engine.Tools;
using Meridian.Tests.Shared;

namespace Meridian.Engine.Tests.Tools;

public sealed class ToolCallParserTests
{
    // (template, scenario, the format expected, the text that ends the assistant's turn in that template)
    public static TheoryData<string, string, ToolCallFormat, string> Renders => new()
    {
        { "qwen3", "s07_tool_call_roundtrip", ToolCallFormat.Hermes, "<|im_end|>" },
        { "qwen2.5-7b-instruct", "s08_tool_call_openai_style", ToolCallFormat.Hermes, "<|im_end|>" },
        { "llama3.1-8b-instruct", "s08_tool_call_openai_style", ToolCallFormat.Llama3Json, "<|eot_id|>" },
        { "mistral-nemo-instruct-2407", "s08_tool_call_openai_style", ToolCallFormat.Mistral, "</s>" },
        { "qwen3", "s09_parallel_tool_calls", ToolCallFormat.Hermes, "<|im_end|>" },
        { "qwen2.5-7b-instruct", "s07_tool_call_roundtrip", ToolCallFormat.Hermes, "<|im_end|>" },
        { "qwen2.5-7b-instruct", "s09_parallel_tool_calls", ToolCallFormat.Hermes, "<|im_end|>" },
        { "llama3.1-8b-instruct", "s07_tool_call_roundtrip", ToolCallFormat.Llama3Json, "<|eot_id|>" },
        { "llama3.2-3b-instruct", "s07_tool_call_roundtrip", ToolCallFormat.Llama3Json, "<|eot_id|>" },
        { "mistral-nemo-instruct-2407", "s07_tool_call_roundtrip", ToolCallFormat.Mistral, "</s>" },
        { "mistral-nemo-instruct-2407", "s09_parallel_tool_calls", ToolCallFormat.Mistral, "</s>" },
    };

    [SkippableTheory]
    [MemberData(nameof(Renders))]
    public void RealTemplateRender_ParsesBackToTheScenariosCalls(string template, string scenario, ToolCallFormat format, string endOfTurn)
    {
        string source = File.ReadAllText(TestData.Require($"chat-templates/templates/{template}.jinja"));
        Assert.Equal(format, ToolCallFormats.Detect(source));
        string render = File.ReadAllText(TestData.Require($"chat-templates/expected/{template}__{scenario}.txt"));
        var expected = ExpectedCalls(TestData.Require($"chat-templates/scenarios/{scenario}.json"));

        // The assistant's turn: from where its first call starts (the trigger after the user's question; the system
        // prompt before it mentions the tools and the trigger too) to the end of that turn.
        string question = FirstUserContent(TestData.Require($"chat-templates/scenarios/{scenario}.json"));
        int asked = render.IndexOf(question, StringComparison.Ordinal);
        Assert.True(asked >= 0, $"{template} does not render the question");
        string trigger = format == ToolCallFormat.Llama3Json ? "{" : format.Trigger()!;
        int start = render.IndexOf(trigger, asked, StringComparison.Ordinal);
        int end = render.IndexOf(endOfTurn, start, StringComparison.Ordinal);
        string turn = "Let me check. " + render[start..end];

        var reply = ToolCallParser.Parse(format, format == ToolCallFormat.Llama3Json ? render[start..end] : turn);
        Assert.Equal(expected.Count, reply.Calls.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Name, reply.Calls[i].Name);
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected[i].Arguments), JsonNode.Parse(reply.Calls[i].Arguments)),
                $"call {i}: {reply.Calls[i].Arguments}, expected {expected[i].Arguments}");
        }
        if (format != ToolCallFormat.Llama3Json)
            Assert.Equal("Let me check.", reply.Content);
    }

    [Theory]
    [InlineData(ToolCallFormat.Hermes, "just text", "just text", 0)]
    [InlineData(ToolCallFormat.Hermes, "<tool_call>\nnot json\n</tool_call>", "<tool_call>\nnot json\n</tool_call>", 0)]
    [InlineData(ToolCallFormat.Hermes, "<tool_call>{\"name\":\"f\",\"arguments\":\"{\\\"a\\\":1}\"}</tool_call>", "", 1)]
    [InlineData(ToolCallFormat.Hermes, "<tool_call>{\"name\":\"f\",\"arguments\":{}}", "", 1)] // cut off before the close tag
    [InlineData(ToolCallFormat.Hermes, "<tool_call>{\"arguments\":{}}</tool_call>", "<tool_call>{\"arguments\":{}}</tool_call>", 0)]
    [InlineData(ToolCallFormat.Mistral, "[TOOL_CALLS][{\"name\":\"f\",\"arguments\":{\"x\":1}},{\"name\":\"g\"}]", "", 2)]
    [InlineData(ToolCallFormat.Mistral, "[TOOL_CALLS][oops", "[TOOL_CALLS][oops", 0)]
    [InlineData(ToolCallFormat.Llama3Json, "<|python_tag|>{\"name\":\"f\",\"parameters\":{\"x\":1}}", "", 1)]
    [InlineData(ToolCallFormat.Llama3Json, "The answer is {x}", "The answer is {x}", 0)]
    [InlineData(ToolCallFormat.Generic, "{\"tool_calls\":[{\"name\":\"f\",\"arguments\":{}},{\"name\":\"g\",\"arguments\":{\"y\":\"z\"}}]}", "", 2)]
    [InlineData(ToolCallFormat.Generic, "{\"response\":\"hello\"}", "hello", 0)]
    public void EdgeCases(ToolCallFormat format, string text, string content, int calls)
    {
        var reply = ToolCallParser.Parse(format, text);
        Assert.Equal(content, reply.Content);
        Assert.Equal(calls, reply.Calls.Count);
    }

    private static string FirstUserContent(string scenarioPath) =>
        JsonNode.Parse(File.ReadAllText(scenarioPath))!["messages"]!.AsArray().First(m => m!["role"]!.GetValue<string>() == "user")!["content"]!.GetValue<string>();

    private static List<ParsedToolCall> ExpectedCalls(string scenarioPath)
    {
        var scenario = JsonNode.Parse(File.ReadAllText(scenarioPath))!;
        var calls = new List<ParsedToolCall>();
        foreach (var m in scenario["messages"]!.AsArray())
        {
            if (m!["tool_calls"] is not JsonArray list || calls.Count > 0)
                continue;
            foreach (var c in list)
            {
                var f = c!["function"]!;
                var args = f["arguments"]!;
                string json = args is JsonValue v && v.TryGetValue(out string? s) ? s : args.ToJsonString();
                calls.Add(new ParsedToolCall(f["name"]!.GetValue<string>(), json));
            }
        }
        return calls;
    }
}
