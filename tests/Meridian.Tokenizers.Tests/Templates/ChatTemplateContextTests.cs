// The standard context (messages, tools, documents, add_generation_prompt, special tokens, extra
// kwargs) and the conversion of .NET and System.Text.Json values into the template's value model.
using System.Text.Json;
using System.Text.Json.Nodes;
using Meridian.Tokenizers.Templates;

namespace Meridian.Tokenizers.Tests.Templates;

public sealed class ChatTemplateContextTests
{
    private const string Probe = "{{ messages|length }}|{{ tools is none }}|{{ documents is none }}|{{ add_generation_prompt }}|{{ bos_token is defined }}|{{ eos_token }}|{{ enable_thinking is defined }}";

    [Fact]
    public void Create_Defaults_MatchTransformersContext()
    {
        var context = ChatTemplateContext.Create(JsonNode.Parse("[{\"role\": \"user\", \"content\": \"hi\"}]"));
        // tools and documents are None; add_generation_prompt defaults to False; no tokens are defined.
        Assert.Equal("1|True|True|False|False||False", ChatTemplate.Parse(Probe).Render(context));
    }

    [Fact]
    public void Create_TokensAndExtras_DefinesOnlyNonNullTokensAndLetsExtrasWin()
    {
        var context = ChatTemplateContext.Create(
            JsonNode.Parse("[]"),
            JsonNode.Parse("[{\"type\": \"function\"}]"),
            addGenerationPrompt: true,
            new ChatTemplateSpecialTokens(EosToken: "</s>"),
            JsonNode.Parse("{\"enable_thinking\": false, \"add_generation_prompt\": false}")!.AsObject());
        Assert.Equal("0|False|True|False|False|</s>|True", ChatTemplate.Parse(Probe).Render(context));
    }

    [Fact]
    public void Render_JsonInput_KeepsKeyOrderAndPythonNumberKinds()
    {
        // json.loads semantics: 1 is an int, 1.0 and 1e2 are floats; object keys keep document order.
        const string json = "{\"z\": 1, \"a\": 1.0, \"m\": 1e2, \"s\": \"\u00e9\", \"n\": null, \"b\": true, \"l\": [1, \"x\"]}";
        const string template = "{{ d }}|{{ d|tojson }}";
        const string expected = "{'z': 1, 'a': 1.0, 'm': 100.0, 's': '\u00e9', 'n': None, 'b': True, 'l': [1, 'x']}|{\"z\": 1, \"a\": 1.0, \"m\": 100.0, \"s\": \"\u00e9\", \"n\": null, \"b\": true, \"l\": [1, \"x\"]}";
        var parsed = ChatTemplate.Parse(template);
        Assert.Equal(expected, parsed.Render(new Dictionary<string, object?> { ["d"] = JsonNode.Parse(json) }));
        using var document = JsonDocument.Parse(json);
        Assert.Equal(expected, parsed.Render(new Dictionary<string, object?> { ["d"] = document.RootElement }));
    }

    [Fact]
    public void Render_DotNetValues_BecomePythonValues()
    {
        var variables = new Dictionary<string, object?>
        {
            ["d"] = new Dictionary<string, object?> { ["b"] = 1, ["a"] = 2.5, ["c"] = new[] { "x", "y" }, ["n"] = null, ["t"] = true, ["l"] = 3L },
        };
        Assert.Equal("{'b': 1, 'a': 2.5, 'c': ['x', 'y'], 'n': None, 't': True, 'l': 3}", ChatTemplate.Parse("{{ d }}").Render(variables));
    }

    [Fact]
    public void Render_Twice_GivesSameOutputAndDoesNotShareState()
    {
        // Parse once, render many: each render starts from a fresh scope.
        var template = ChatTemplate.Parse("{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.n }}");
        var context = ChatTemplateContext.Create(JsonNode.Parse("[1, 2, 3]"));
        Assert.Equal("3", template.Render(context));
        Assert.Equal("3", template.Render(context));
    }

    [Fact]
    public void Render_KeepTrailingNewline_KeepsIt()
    {
        var template = ChatTemplate.Parse("x\n");
        Assert.Equal("x", template.Render(new Dictionary<string, object?>()));
        Assert.Equal("x\n", template.Render(new Dictionary<string, object?>(), new ChatTemplateOptions { KeepTrailingNewline = true }));
    }
}
