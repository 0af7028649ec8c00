// Statements with Jinja2 semantics: for (loop.*, filter, unpacking, else, break/continue, recursive), set
// scoping (loops do not leak, if-blocks do, namespace() carries state out), block set, with, macros
// (defaults, varargs/kwargs, caller), call and filter blocks. Expected strings are Jinja2 3.1.6's output.
namespace Meridian.Tokenizers.Tests.Templates;

public sealed class TemplateStatementTests
{
    [Theory]
    [InlineData("{% for x in xs %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}|{% endfor %}",
        "{\"xs\": [\"a\", \"b\", \"c\"]}", "1032TrueFalse3|2121FalseFalse3|3210FalseTrue3|")]
    // previtem/nextitem are undefined (print as "") at the ends.
    [InlineData("{% for x in xs %}{{ loop.previtem }}-{{ loop.nextitem }};{% endfor %}", "{\"xs\": [1, 2, 3]}", "-2;1-3;2-;")]
    [InlineData("{% for x in xs %}{{ loop.cycle('odd', 'even') }}{% endfor %}", "{\"xs\": [1, 2, 3]}", "oddevenodd")]
    [InlineData("{% for x in [1,2,1,1] %}{% if loop.changed(x) %}{{ x }}{% endif %}{% endfor %}", null, "121")]
    // A loop filter runs before loop.* is computed.
    [InlineData("{% for x in xs if x > 1 %}{{ x }}{{ loop.index }}{{ loop.length }} {% else %}none{% endfor %}", "{\"xs\": [1, 2, 3]}", "212 322 ")]
    [InlineData("{% for x in xs %}{{ x }}{% else %}empty{% endfor %}", "{\"xs\": []}", "empty")]
    [InlineData("{% for x in missing %}x{% else %}E{% endfor %}", null, "E")]
    // Unpacking pairs; dicts iterate their keys in insertion order.
    [InlineData("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}", "{\"d\": {\"b\": 1, \"a\": 2}}", "b=1;a=2;")]
    [InlineData("{% for k, v in d|items %}{{ k }}={{ v }};{% endfor %}", "{\"d\": {\"b\": 1, \"a\": 2}}", "b=1;a=2;")]
    [InlineData("{% for k in d %}{{ k }}{% endfor %}", "{\"d\": {\"b\": 1, \"a\": 2}}", "ba")]
    // Strings iterate by code point (the astral character is one item).
    [InlineData("{% for ch in 'h\u00e9\U0001F600' %}[{{ ch }}]{% endfor %}", null, "[h][\u00e9][\U0001F600]")]
    [InlineData("{% for x in xs %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}", "{\"xs\": [1, 2, 3, 4, 5]}", "13")]
    // The inner loop shadows `loop`; the outer one is back after it.
    [InlineData("{% for a in [1,2] %}{% for b in [3,4] %}{{ loop.index }}{{ a }}{{ b }} {% endfor %}{{ loop.index }}|{% endfor %}", null, "113 214 1|123 224 2|")]
    [InlineData("{% for i in range(3) %}{{ i }}{% endfor %}{% for i in range(1, 10, 3) %}{{ i }}{% endfor %}{% for i in range(5, 0, -2) %}{{ i }}{% endfor %}", null, "012147531")]
    [InlineData("{% for item in tree recursive %}{{ item.n }}{% if item.c %}[{{ loop(item.c) }}]{% endif %}{% endfor %}",
        "{\"tree\": [{\"n\": \"a\", \"c\": [{\"n\": \"b\", \"c\": []}, {\"n\": \"c\"}]}, {\"n\": \"d\"}]}", "a[bc]d")]
    public void Render_ForLoop_MatchesJinja2(string template, string? variables, string expected)
    {
        Assert.Equal(expected, Jinja.Render(template, variables));
    }

    [Theory]
    // set inside a loop is local to the iteration: the outer x is seen, and not changed.
    [InlineData("{% set x = 0 %}{% for i in [1,2] %}[{{ x }}]{% set x = i %}{% endfor %}{{ x }}", "[0][0]0")]
    // ...and does not carry over from one iteration to the next.
    [InlineData("{% for i in [1,2] %}{% if i == 2 %}[{{ x }}]{% endif %}{% set x = i %}{% endfor %}", "[]")]
    // if-blocks are not scopes.
    [InlineData("{% if true %}{% set y = 5 %}{% endif %}{{ y }}", "5")]
    [InlineData("{% for i in [1] %}{% set y = 5 %}{% endfor %}[{{ y }}]", "[]")]
    // namespace() is how state leaves a loop.
    [InlineData("{% set ns = namespace(total=0) %}{% for i in [1,2,3] %}{% set ns.total = ns.total + i %}{% endfor %}{{ ns.total }}", "6")]
    [InlineData("{% set ns = namespace({'a': 1}) %}{{ ns.a }}{{ ns.b is defined }}", "1False")]
    [InlineData("{% set a, b = [1, 2] %}{{ a }}{{ b }}", "12")]
    [InlineData("{% set a, b = 'xy' %}{{ b }}{{ a }}", "yx")]
    [InlineData("{% set t = 1, 2 %}{{ t }}", "(1, 2)")]
    [InlineData("{% set x %}  inner {{ 1 + 1 }} {% endset %}[{{ x }}]", "[  inner 2 ]")]
    [InlineData("{% set x | upper %}abc{% endset %}{{ x }}", "ABC")]
    [InlineData("{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}[{{ a }}]", "3[]")]
    [InlineData("{% filter upper %}abc {{ 'd' }}{% endfilter %}", "ABC D")]
    [InlineData("{% filter replace('a', 'b') | upper %}aaa{% endfilter %}", "BBB")]
    [InlineData("{% print 1 + 1 %}", "2")]
    [InlineData("{% if 0 %}a{% elif 2 %}b{% else %}c{% endif %}{% if 0 %}a{% elif 0 %}b{% else %}c{% endif %}", "bc")]
    public void Render_SetAndBlocks_MatchesJinja2(string template, string expected)
    {
        Assert.Equal(expected, Jinja.Render(template));
    }

    [Theory]
    // Defaults are evaluated at call time and may use earlier parameters.
    [InlineData("{% macro m(a, b='x', c=a) %}{{ a }}{{ b }}{{ c }}{% endmacro %}{{ m(1) }}|{{ m(1, 2) }}|{{ m(1, c=3) }}", "1x1|121|1x3")]
    // varargs/kwargs exist when the body names them.
    [InlineData("{% macro m(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, 3, k=4) }}", "1(2, 3){'k': 4}")]
    // A missing argument is undefined, not an error.
    [InlineData("{% macro m(a) %}[{{ a }}]{% endmacro %}{{ m() }}", "[]")]
    [InlineData("{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}{% call wrap('b') %}inside{% endcall %}", "<b>inside</b>")]
    [InlineData("{% macro listing(items) %}{% for i in items %}{{ caller(i) }}{% endfor %}{% endmacro %}{% call(x) listing([1,2]) %}<{{ x }}>{% endcall %}", "<1><2>")]
    [InlineData("{% macro f(n) %}{% if n > 0 %}{{ n }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(3) }}", "321")]
    // A macro's sets are local; it reads template variables at call time.
    [InlineData("{% macro m() %}{% set q = 1 %}{{ q }}{% endmacro %}{{ m() }}[{{ q }}]", "1[]")]
    [InlineData("{% macro m() %}{{ x }}{% endmacro %}{% set x = 7 %}{{ m() }}", "7")]
    public void Render_Macro_MatchesJinja2(string template, string expected)
    {
        Assert.Equal(expected, Jinja.Render(template));
    }

    [Fact]
    public void Render_GenerationBlock_RendersItsBody()
    {
        // transformers' {% generation %} extension only marks assistant spans; the text is the body's.
        Assert.Equal("<a>hi</a>", Jinja.Render("<a>{% generation %}{{ 'hi' }}{% endgeneration %}</a>"));
    }
}
