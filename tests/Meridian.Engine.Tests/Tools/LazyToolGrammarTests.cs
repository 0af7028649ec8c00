// tool_choice auto as a lazy grammar, on the real chat templates of ../shared/testdata/chat-templates: the plan
// ToolPlan.Create makes for the scenario's tools leaves free text alone until the format's trigger, then takes the
// output; fed byte by byte, "Let me check. " and the calls as the template renders them (what a model trained on it
// writes, made by Jinja2 and @huggingface/jinja) are allowed at every byte and the output may end right after them;
// after the trigger, a byte that breaks the call (a tool name not offered) and the end are masked.
using System.Text;
using System.Text.Json.Nodes;
using Meridian.Engine.Serving;
using Meridian.Engine.Tests.Serving;
using Meridian.Engine.Tools;
using Meridian.Grammar.Constraints;
using Meridian.Grammar.Matching;
using Meridian.Tests.Shared;
using Meridian.Tokenizers.Templates;

namespace Meridian.Engine.Tests.Tools;

public sealed class LazyToolGrammarTests(EngineFixture fx) : IClassFixture<EngineFixture>
{
    // ToolCallParserTests' renders but s08, whose calls carry their arguments as JSON text (as OpenAI's API does),
    // not as the object a model writes.
    public static TheoryData<string, string, ToolCallFormat, string> Renders
    {
        get
        {
            var data = new TheoryData<string, string, ToolCallFormat, string>();
            foreach (var row in ToolCallParserTests.Renders)
            {
                if ((string)row[1] != "s08_tool_call_openai_style")
                    data.Add((string)row[0], (string)row[1], (ToolCallFormat)row[2], (string)row[3]);
            }
            return data;
        }
    }

    private const int End = 256;

    [SkippableTheory]
    [MemberData(nameof(Renders))]
    public void AutoLazyGrammar_FreeUntilTheTrigger_ThenAllowsExactlyTheTemplatesCalls(string template, string scenario, ToolCallFormat format, string endOfTurn)
    {
        string source = File.ReadAllText(TestData.Require($"chat-templates/templates/{template}.jinja"));
        string render = File.ReadAllText(TestData.Require($"chat-templates/expected/{template}__{scenario}.txt"));
        var scenarioJson = JsonNode.Parse(File.ReadAllText(TestData.Require($"chat-templates/scenarios/{scenario}.json")))!;
        var tools = scenarioJson["tools"]!.AsArray();
        var info = new EngineModelInfo("t", fx.Tokenizer, ChatTemplate.Parse(source, template), new ChatTemplateSpecialTokens(null, null), 4096, 0);
        var plan = ToolPlan.Create(info, tools, ToolChoiceMode.Auto, null, parallel: true);
        Assert.Equal(format, plan.Format);
        Assert.NotNull(plan.Grammar);
        Assert.Equal(format.Trigger(), plan.Grammar!.Trigger);

        // The assistant's calls: from the trigger after the user's question to the end of the turn.
        string question = scenarioJson["messages"]!.AsArray().First(m => m!["role"]!.GetValue<string>() == "user")!["content"]!.GetValue<string>();
        int asked = render.IndexOf(question, StringComparison.Ordinal);
        int start = render.IndexOf(format.Trigger()!, asked, StringComparison.Ordinal);
        int end = render.IndexOf(endOfTurn, start, StringComparison.Ordinal);
        string calls = render[start..end];
        string free = format == ToolCallFormat.Llama3Json ? "" : "Let me check. ";

        // A byte vocabulary: token b is byte b, token 256 ends the output.
        var vocab = new TokenVocabulary(End + 1, id => id < End ? [(byte)id] : []);
        var constraint = GrammarConstraint.Create(plan.Grammar, vocab, [End]);
        var logits = new float[End + 1];
        foreach (byte b in Encoding.UTF8.GetBytes(free))
        {
            Array.Clear(logits);
            constraint.Mask(logits);
            Assert.DoesNotContain(float.NegativeInfinity, logits); // free text: nothing masked, the end included
            constraint.Accept(b);
        }
        Assert.False(constraint.Active);
        byte[] bytes = Encoding.UTF8.GetBytes(calls);
        for (int i = 0; i < bytes.Length; i++)
        {
            Array.Clear(logits);
            constraint.Mask(logits);
            if (constraint.Active)
            {
                Assert.False(float.IsNegativeInfinity(logits[bytes[i]]), $"{template}: byte {i} ('{(char)bytes[i]}') of {calls} is masked");
            }
            constraint.Accept(bytes[i]);
        }
        Assert.True(constraint.Active);
        Array.Clear(logits);
        constraint.Mask(logits);
        Assert.False(float.IsNegativeInfinity(logits[End]), $"{template}: the output may not end after {calls}");
        Assert.False(constraint.DeadEnd);
    }

    [Fact]
    public void AutoLazyGrammar_AfterTheTrigger_ABrokenCallIsMasked()
    {
        const string tools = """[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]""";
        const string hermes = "{%- if tools %}<tool_call>{%- endif %}{{ messages[0].content }}";
        var info = new EngineModelInfo("t", fx.Tokenizer, ChatTemplate.Parse(hermes, "hermes"), new ChatTemplateSpecialTokens(null, null), 4096, 0);
        var plan = ToolPlan.Create(info, JsonNode.Parse(tools)!.AsArray(), ToolChoiceMode.Auto, null, parallel: false);
        Assert.Equal(ToolCallFormat.Hermes, plan.Format);
        var vocab = new TokenVocabulary(End + 1, id => id < End ? [(byte)id] : []);
        var constraint = GrammarConstraint.Create(plan.Grammar!, vocab, [End]);
        foreach (byte b in "Sure: <tool_call>\n{\"name\": \"get_"u8)
            constraint.Accept(b);
        var logits = new float[End + 1];
        constraint.Mask(logits);
        Assert.False(float.IsNegativeInfinity(logits['w']));
        Assert.True(float.IsNegativeInfinity(logits['x'])); // only get_weather is a tool
        Assert.True(float.IsNegativeInfinity(logits[End]));
    }

    [SkippableFact]
    public void MistralMarker_AControlTokenWithoutText_StandsForTheTrigger()
    {
        // Mistral's [TOOL_CALLS] is one control token with no text: given to the constraint as a marker, it is what
        // required mode allows first, and what starts the lazy grammar in auto mode.
        string source = File.ReadAllText(TestData.Require("chat-templates/templates/mistral-nemo-instruct-2407.jinja"));
        const string tools = """[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]""";
        var info = new EngineModelInfo("t", fx.Tokenizer, ChatTemplate.Parse(source, "mistral"), new ChatTemplateSpecialTokens(null, null), 4096, 0);
        const int marker = End + 1;
        var vocab = new TokenVocabulary(End + 2, id => id < End ? [(byte)id] : []);
        var markers = new Dictionary<int, byte[]> { [marker] = "[TOOL_CALLS]"u8.ToArray() };
        var logits = new float[End + 2];

        var required = ToolPlan.Create(info, JsonNode.Parse(tools)!.AsArray(), ToolChoiceMode.Required, null, parallel: false);
        var constraint = GrammarConstraint.Create(required.Grammar!, vocab, [End], markers);
        constraint.Mask(logits);
        Assert.Equal(2, constraint.AllowedCount); // the marker, or its text spelled out from '['
        Assert.False(float.IsNegativeInfinity(logits[marker]));
        Assert.False(float.IsNegativeInfinity(logits['[']));

        var auto = ToolPlan.Create(info, JsonNode.Parse(tools)!.AsArray(), ToolChoiceMode.Auto, null, parallel: false);
        constraint = GrammarConstraint.Create(auto.Grammar!, vocab, [End], markers);
        foreach (byte b in "Hm. "u8)
            constraint.Accept(b);
        constraint.Accept(marker);
        Assert.True(constraint.Active);
        Array.Clear(logits);
        constraint.Mask(logits);
        Assert.False(float.IsNegativeInfinity(logits['[']));
        Assert.True(float.IsNegativeInfinity(logits['x']));
    }
}
