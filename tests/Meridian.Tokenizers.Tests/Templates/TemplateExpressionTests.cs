// Expressions with Python semantics: arithmetic (// and % round toward -inf, / is float), floats printed as
// Python's repr, comparisons, `in`, == by value, truthiness, slicing (negative steps, by code point),
// string escapes, undefined values. Expected strings are Jinja2 3.1.6's output.
namespace Meridian.Tokenizers.Tests.Templates;

public sealed class TemplateExpressionTests
{
    [Theory]
    [InlineData("{{ 1 + 2 * 3 }}", "7")]
    [InlineData("{{ 2 ** 3 ** 2 }}", "64")] // Jinja's ** is left-associative: (2**3)**2
    [InlineData("{{ -2 ** 2 }}", "4")] // unary minus binds tighter than ** in Jinja
    [InlineData("{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % -3 }} {{ -7 % 3 }}", "3 -4 -2 2")]
    [InlineData("{{ 7 / 2 }} {{ 6 / 3 }} {{ 5.5 // 2 }} {{ -5.5 % 2 }}", "3.5 2.0 2.0 0.5")]
    [InlineData("{{ 1e16 }} {{ 1e15 }} {{ 0.1 + 0.2 }} {{ 1e-5 }} {{ 0.0001 }} {{ 2 ** -1 }} {{ 123e-20 }}", "1e+16 1000000000000000.0 0.30000000000000004 1e-05 0.0001 0.5 1.23e-18")]
    [InlineData("{{ 1_000 }} {{ 0x1F }} {{ 0o17 }} {{ 0b101 }} {{ 1.5e3 }}", "1000 31 15 5 1500.0")]
    [InlineData("{{ 'a' ~ 1 ~ none ~ true ~ missing }}", "a1NoneTrue")]
    [InlineData("{{ 'ab' * 3 }} {{ [1] * 2 }} {{ [1, 2] + [3] }} {{ (1,) + (2,) }}", "ababab [1, 1] [1, 2, 3] (1, 2)")]
    [InlineData("{{ (1, 2) }} {{ (1,) }} {{ () }} {{ [] }} {{ {} }}", "(1, 2) (1,) () [] {}")]
    [InlineData("{{ {'a': 1, 'b': [1, 'x', none, true, 1.5]} }}", "{'a': 1, 'b': [1, 'x', None, True, 1.5]}")]
    // repr picks quotes like Python and escapes non-printable characters (NBSP, ZWSP).
    [InlineData("{{ ['it\\'s', 'say \"hi\"', 'both \\' \"', '\\u00a0\\u200b\\\\'] }}", "[\"it's\", 'say \"hi\"', 'both \\' \"', '\\xa0\\u200b\\\\']")]
    [InlineData("{{ 'a' in 'cat' }}{{ 'z' not in 'cat' }}{{ 1 in [1, 2] }}{{ 'a' in {'a': 1} }}", "TrueTrueTrueTrue")]
    [InlineData("{{ 1 < 2 < 3 }}{{ 1 < 3 < 2 }}{{ 'a' < 'b' }}{{ [1, 2] < [1, 3] }}", "TrueFalseTrueTrue")]
    [InlineData("{{ 1 == 1.0 }}{{ true == 1 }}{{ [1, 2] == [1, 2] }}{{ [1] == (1,) }}{{ {'a': 1, 'b': 2} == {'b': 2, 'a': 1} }}", "TrueTrueTrueFalseTrue")]
    [InlineData("{{ not 1 }}{{ not none }}{{ not '' }}{{ 1 and 2 }}{{ 0 and 2 }}{{ 0 or 'x' }}{{ '' or none }}", "FalseTrueTrue20xNone")]
    [InlineData("{{ 'yes' if 1 else 'no' }}[{{ 'yes' if 0 }}]{{ 'a' if 0 else 'b' if 1 else 'c' }}", "yes[]b")]
    // `not` is looser than ==; ~ is looser than * (and tighter than +); a filter applies to the negated number.
    [InlineData("{{ not 1 == 2 }}{{ 'a' ~ 2 * 3 }}{{ -1|abs }}", "Truea61")]
    [InlineData("{{ '%s is %d' % ('x', 3) }}|{{ '%5.2f|%-4s|%03d' % (3.14159, 'ab', 7) }}|{{ '%(a)s-%(b)s' % {'a': 1, 'b': 2} }}", "x is 3| 3.14|ab  |007|1-2")]
    [InlineData("{{ 'abc'[0] }}{{ 'abc'[-1] }}[{{ 'abc'[5] }}]", "ac[]")]
    [InlineData("{{ [1,2,3][1:] }} {{ [1,2,3][::-1] }} {{ [1,2,3,4,5][4:0:-2] }} {{ [1,2,3][-10:10] }}", "[2, 3] [3, 2, 1] [5, 3] [1, 2, 3]")]
    [InlineData("{{ 'hello'[-2:] }} {{ 'hello'[:-1] }} {{ 'hello'[::2] }} {{ 'hello'[::-1] }}", "lo hell hlo olleh")]
    // Strings index by code point: the emoji is one character.
    [InlineData("{{ 'a\U0001F600b'[1] }}|{{ 'a\U0001F600b'[::-1] }}|{{ 'a\U0001F600b'|length }}", "\U0001F600|b\U0001F600a|3")]
    [InlineData("{{ '\\n\\t\\\\\\'\\x41\\u00e9\\101' }}", "\n\t\\'A\u00e9A")]
    [InlineData("{{ 'a\\qb' }}{{ \"a\" 'b' }}", "a\\qbab")]
    [InlineData("{{ {'a': {'b': 1}}.a.b }}{{ {'a': [1, 2]}['a'][1] }}{{ [1, 2].0 }}", "121")]
    // Dict methods win over keys for attribute access; item access finds the key.
    [InlineData("{{ {'items': 1}['items'] }}{{ {'items': 1}.items is defined }}", "1True")]
    // Undefined prints empty, is falsy, iterates empty, has length 0.
    [InlineData("[{{ x }}|{{ x is defined }}|{{ x|default('d') }}|{{ x|length }}|{{ x|list }}|{{ x|trim }}]", "[|False|d|0|[]|]")]
    [InlineData("{{ none.x is defined }}{{ {}.x is defined }}", "FalseFalse")]
    [InlineData("{{ {1: 'a'}[1.0] }}{{ {true: 'b'}[1] }}", "ab")]
    [InlineData("{{ dict(a=1, b=2) }} {{ namespace(a=1) }} {{ range(3)|list }}", "{'a': 1, 'b': 2} <Namespace {'a': 1}> [0, 1, 2]")]
    public void Render_Expression_MatchesJinja2(string template, string expected)
    {
        Assert.Equal(expected, Jinja.Render(template));
    }

    [Theory]
    [InlineData("{{ m.content is none }}{{ m.missing is none }}{{ m.missing is defined }}{{ 'tool_calls' in m }}{{ m.tool_calls|length }}",
        "{\"m\": {\"content\": null, \"tool_calls\": [1, 2]}}", "TrueFalseFalseTrue2")]
    [InlineData("{{ messages[0] == messages[1] }}{{ messages[0] == messages[2] }}",
        "{\"messages\": [{\"role\": \"u\", \"c\": [1]}, {\"c\": [1], \"role\": \"u\"}, {\"role\": \"u\", \"c\": [2]}]}", "TrueFalse")]
    public void Render_ExpressionOverVariables_MatchesJinja2(string template, string variables, string expected)
    {
        Assert.Equal(expected, Jinja.Render(template, variables));
    }
}
