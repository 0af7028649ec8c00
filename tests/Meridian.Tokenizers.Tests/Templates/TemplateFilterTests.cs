// Filters with Jinja2 3.1's signatures and quirks: string filters stringify first (`none|trim` is
// 'None'), tojson is transformers' json.dumps override, map/select/... return lazy generators
// (always truthy), sort is stable and case-insensitive by default. Expected strings are Jinja2 3.1.6's.
namespace Meridian.Tokenizers.Tests.Templates;

public sealed class TemplateFilterTests
{
    private const string Users = "{\"users\": [{\"name\": \"bo\", \"age\": 3, \"on\": true}, {\"name\": \"Al\", \"age\": 1, \"on\": false}, {\"name\": \"cy\", \"age\": 2}]}";

    [Theory]
    [InlineData("[{{ '  Hello World  '|trim }}]{{ 'xxHixx'|trim('x') }}", "[Hello World]Hi")]
    // Python's strip: NBSP and U+3000 are whitespace, U+200B is not.
    [InlineData("[{{ ' \u00a0\u3000a\u200b\u3000 '|trim }}]", "[a\u200b]")]
    [InlineData("{{ none|trim }}|{{ none|upper }}|{{ none|string }}", "None|NONE|None")]
    [InlineData("{{ 'hello wORLD'|title }}|{{ 'the quick-brown (fox)'|title }}|{{ 'hELLO'|capitalize }}|{{ 'MiXed'|lower }}", "Hello World|The Quick-Brown (Fox)|Hello|mixed")]
    [InlineData("{{ 'héllo'|length }}{{ [1, 2]|count }}{{ {'a': 1}|length }}", "521")]
    [InlineData("{{ missing|default('x') }}|{{ ''|default('x') }}|{{ ''|default('x', true) }}|{{ none|d('y', boolean=true) }}", "x||x|y")]
    [InlineData("{{ 'aaa'|replace('a', 'b') }}|{{ 'aaa'|replace('a', 'b', 2) }}|{{ 'ab'|replace('', '.') }}", "bbb|bba|.a.b.")]
    [InlineData("{{ [3, 1, 2]|first }}{{ [3, 1, 2]|last }}{{ 'abc'|first }}[{{ []|first }}]", "32a[]")]
    [InlineData("{{ [1, 2, 3]|join }}|{{ [1, 'a', none]|join('-') }}|{{ users|join(', ', attribute='name') }}", Users, "123|1-a-None|bo, Al, cy")]
    [InlineData("{{ users|map(attribute='name')|list }}|{{ users|map(attribute='on', default='?')|list }}|{{ ['a', 'b']|map('upper')|list }}", Users, "['bo', 'Al', 'cy']|[True, False, '?']|['A', 'B']")]
    [InlineData("{{ users|selectattr('on')|map(attribute='name')|join }}|{{ users|rejectattr('on')|map(attribute='name')|join }}|{{ users|selectattr('age', 'gt', 1)|list|length }}", Users, "bo|Alcy|2")]
    [InlineData("{{ [1, 2, 3, 4, 5, 6]|select('odd')|list }}{{ [1, 2, 3, 4, 5, 6]|reject('divisibleby', 3)|list }}{{ ['a', 'b']|reject('equalto', 'a')|list }}", "[1, 3, 5][1, 2, 4, 5]['b']")]
    // A generator is truthy even when it would yield nothing, and is empty once consumed.
    [InlineData("{% if [1]|select('gt', 100) %}truthy{% endif %}{% set g = [1, 2]|map('string') %}{{ g|list }}{{ g|list }}", "truthy['1', '2'][]")]
    [InlineData("{{ ['b', 'a', 'C']|sort }}{{ ['b', 'a', 'C']|sort(case_sensitive=true) }}{{ [3, 1, 2]|sort(reverse=true) }}", "['a', 'b', 'C']['C', 'a', 'b'][3, 2, 1]")]
    [InlineData("{{ users|sort(attribute='age')|map(attribute='name')|join }}|{{ users|sort(attribute='name')|map(attribute='name')|join }}", Users, "Alcybo|Albocy")]
    [InlineData("{{ ['a', 'A', 'b', 'a']|unique|list }}{{ [3, 1, 3]|unique|list }}", "['a', 'b'][3, 1]")]
    [InlineData("{{ {'b': 2, 'a': 1, 'C': 3}|dictsort }}|{{ {'b': 2, 'a': 1}|dictsort(by='value', reverse=true) }}", "[('a', 1), ('b', 2), ('C', 3)]|[('b', 2), ('a', 1)]")]
    [InlineData("{{ 'abc'|reverse }}{{ [1, 2, 3]|reverse|list }}{{ 'abc'|list }}", "cba[3, 2, 1]['a', 'b', 'c']")]
    [InlineData("{{ [1, 2, 3]|batch(2)|list }}{{ [1, 2, 3]|batch(2, 0)|list }}", "[[1, 2], [3]][[1, 2], [3, 0]]")]
    // min/max ignore case by default; attr() reads attributes only, so a dict key gives Undefined ("").
    [InlineData("{{ [3, 1, 2]|sum }}{{ [3, 1, 2]|min }}{{ [3, 1, 2]|max }}{{ ['b', 'A']|min }}{{ users|max(attribute='age')|attr('name') }}", Users, "613A")]
    [InlineData("{{ users|sum(attribute='age') }}{{ users|min(attribute='age') == users[1] }}", Users, "6True")]
    [InlineData("{{ '42.7'|int }} {{ 'abc'|int(5) }} {{ '0x1A'|int(base=16) }} {{ ' 12 '|int }} {{ '1_000'|int }} {{ 3.9|int }} {{ true|int }}", "42 5 26 12 1000 3 1")]
    [InlineData("{{ '1e400'|float }} {{ ' -2.5 '|float }} {{ 'x'|float(1.5) }} {{ 3|float }}", "inf -2.5 1.5 3.0")]
    // Python's round: half to even on the exact binary value (2.675 is 2.67499999...).
    [InlineData("{{ 2.5|round }} {{ 3.5|round }} {{ 2.675|round(2) }} {{ -2.5|round }} {{ 7|round }} {{ 2.1|round(0, 'ceil') }} {{ 2.9|round(0, 'floor') }}", "2.0 4.0 2.67 -2.0 7 3.0 2.0")]
    [InlineData("{{ -3|abs }}{{ -2.5|abs }}", "32.5")]
    [InlineData("[{{ 'x'|center(6) }}][{{ 'xy'|center(7) }}]", "[  x   ][   xy  ]")]
    [InlineData("{{ 'a\nb\n\nc'|indent(2) }}|{{ 'a\nb'|indent('>', first=true) }}|{{ 'a\n\nb'|indent(1, blank=true) }}", "a\n  b\n\n  c|>a\n>b|a\n \n b")]
    [InlineData("{{ 'Hello World this is long'|truncate(12) }}|{{ 'Hello World this is long'|truncate(12, true, '..') }}|{{ 'short'|truncate(5) }}", "Hello...|Hello Worl..|short")]
    [InlineData("{{ 'a <b>x</b> &amp; \"q\" \\'s\\''|e }}|{{ '<p>a  <!-- c --> b</p>'|striptags }}|{{ 'one two-three'|wordcount }}", "a &lt;b&gt;x&lt;/b&gt; &amp;amp; &#34;q&#34; &#39;s&#39;|a b|3")]
    [InlineData("{{ '%s-%s'|format(1, 2) }}{{ '%(a)s'|format(a=3) }}", "1-23")]
    [InlineData("{{ {'a': 1}|items|list }}{{ missing|items|list }}", "[('a', 1)][]")]
    public void Filter_Applied_MatchesJinja2(string template, string? variablesOrExpected, string? expected = null)
    {
        // Two forms: (template, expected) and (template, variables, expected).
        if (expected is null)
            Assert.Equal(variablesOrExpected, Jinja.Render(template));
        else
            Assert.Equal(expected, Jinja.Render(template, variablesOrExpected));
    }

    [Theory]
    // transformers' tojson: ensure_ascii=False, insertion order, ", " and ": " separators.
    [InlineData("{{ {'b': [1, {'c': none}], 'a': '\u00e9\"\\n\\u0001\U0001F600'}|tojson }}", "{\"b\": [1, {\"c\": null}], \"a\": \"\u00e9\\\"\\n\\u0001\U0001F600\"}")]
    [InlineData("{{ {'a': [1, {'b': []}], 'c': 'x'}|tojson(indent=4) }}", "{\n    \"a\": [\n        1,\n        {\n            \"b\": []\n        }\n    ],\n    \"c\": \"x\"\n}")]
    [InlineData("{{ {'b': 1, 'a': 2}|tojson(sort_keys=true) }}|{{ [1, 2]|tojson(separators=[',', ':']) }}|{{ '\u00e9'|tojson(ensure_ascii=true) }}", "{\"a\": 2, \"b\": 1}|[1,2]|\"\\u00e9\"")]
    // Keys become strings; true == 1 in Python, so {1: 2, true: 4} has one key, with the later value.
    [InlineData("{{ [1.0, 1e16, 0.1, -0.0, 3, true, (1, 2)]|tojson }}|{{ {1: 2, none: 3, true: 4, 1.5: 5}|tojson }}", "[1.0, 1e+16, 0.1, -0.0, 3, true, [1, 2]]|{\"1\": 4, \"null\": 3, \"1.5\": 5}")]
    public void Filter_ToJson_MatchesTransformersOverride(string template, string expected)
    {
        Assert.Equal(expected, Jinja.Render(template));
    }
}
