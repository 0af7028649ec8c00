// Hostile templates: deep nesting, runaway recursion, endless loops and exploding values end in a
// TemplateException naming the limit, never a stack overflow, a hang or an out-of-memory crash.
using Meridian.Tokenizers.Templates;

namespace Meridian.Tokenizers.Tests.Templates;

public sealed class TemplateLimitTests
{
    [Fact]
    public void Parse_DeeplyNestedParentheses_ThrowsNestingError()
    {
        string template = "{{ " + new string('(', 5000) + "1" + new string(')', 5000) + " }}";
        var error = Assert.Throws<TemplateException>(() => ChatTemplate.Parse(template));
        Assert.Contains("nesting exceeds", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DeeplyNestedIfs_ThrowsNestingError()
    {
        string template = string.Concat(Enumerable.Repeat("{% if true %}", 3000)) + "x" + string.Concat(Enumerable.Repeat("{% endif %}", 3000));
        Assert.Throws<TemplateException>(() => ChatTemplate.Parse(template));
    }

    [Fact]
    public void Parse_ModerateNesting_Renders()
    {
        // 40 levels of parentheses are well inside the limit.
        Assert.Equal("1", Jinja.Render("{{ " + new string('(', 40) + "1" + new string(')', 40) + " }}"));
    }

    [Theory]
    // A left-leaning chain of 20000 additions, and 20000 chained filters: deep trees built without nesting.
    [InlineData(20000, "+ 1")]
    [InlineData(20000, "|upper")]
    public void Render_VeryLongOperatorChain_ThrowsInsteadOfOverflowingTheStack(int count, string piece)
    {
        string template = "{{ 1 " + string.Concat(Enumerable.Repeat(piece + " ", count)) + "}}";
        var error = Assert.Throws<TemplateException>(() => Jinja.Render(template));
        Assert.Contains("RecursionError", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_UnboundedMacroRecursion_ThrowsRecursionError()
    {
        var error = Assert.Throws<TemplateException>(() => Jinja.Render("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"));
        Assert.Contains("macro calls nest deeper than 100", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_LoopsBeyondStepBudget_ThrowsBudgetError()
    {
        // 100 x 100 = 10,000 iterations against a budget of 1,000.
        var options = new ChatTemplateOptions { MaxSteps = 1000 };
        var error = Assert.Throws<TemplateException>(() =>
            Jinja.Render("{% for i in range(100) %}{% for j in range(100) %}{% endfor %}{% endfor %}", options: options));
        Assert.Contains("budget of 1000 steps", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_LoopsWithinStepBudget_Render()
    {
        var options = new ChatTemplateOptions { MaxSteps = 1000 };
        Assert.Equal("100", Jinja.Render("{% set ns = namespace(n=0) %}{% for i in range(10) %}{% for j in range(9) %}{% set ns.n = ns.n + 1 %}{% endfor %}{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.n }}", options: options));
    }

    [Fact]
    public void Render_StringDoubledInLoop_ThrowsSizeError()
    {
        var error = Assert.Throws<TemplateException>(() =>
            Jinja.Render("{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s|length }}"));
        Assert.Contains("MemoryError", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_HugeRepetition_ThrowsSizeError()
    {
        Assert.Throws<TemplateException>(() => Jinja.Render("{{ 'x' * 100000000 }}"));
    }

    [Fact]
    public void Render_RangeBeyondSandboxLimit_Throws()
    {
        // Jinja2's sandbox refuses ranges over MAX_RANGE = 100000.
        var error = Assert.Throws<TemplateException>(() => Jinja.Render("{{ range(100001)|length }}"));
        Assert.Contains("MAX_RANGE (100000)", error.Message, StringComparison.Ordinal);
        Assert.Equal("100000", Jinja.Render("{{ range(100000)|length }}"));
    }

    [Fact]
    public void Render_OutputBeyondLimit_Throws()
    {
        var options = new ChatTemplateOptions { MaxOutputLength = 100 };
        Assert.Throws<TemplateException>(() => Jinja.Render("{% for i in range(101) %}x{% endfor %}", options: options));
        Assert.Equal(100, Jinja.Render("{% for i in range(100) %}x{% endfor %}", options: options).Length);
    }

    [Fact]
    public void Render_DeeplyNestedValue_ThrowsInsteadOfOverflowing()
    {
        // 50,000 nested lists built by the template, then printed.
        var error = Assert.Throws<TemplateException>(() =>
            Jinja.Render("{% set ns = namespace(x=[]) %}{% for i in range(50000) %}{% set ns.x = [ns.x] %}{% endfor %}{{ ns.x }}"));
        Assert.Contains("RecursionError", error.Message, StringComparison.Ordinal);
    }
}
