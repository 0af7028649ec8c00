// Jinja2 tests (`is defined`, `is string`, ...) with Python's type rules, and the Python str/dict/list
// methods templates call (strip, split, startswith, format, get, items, ...). Expected strings are
// Jinja2 3.1.6's output.
namespace Meridian.Tokenizers.Tests.Templates;

public sealed class TemplateTestAndMethodTests
{
    private const string Probe = "[{0} is defined, {0} is undefined, {0} is none, {0} is boolean, {0} is true, {0} is false, {0} is integer, {0} is float, {0} is number, {0} is string, {0} is mapping, {0} is sequence, {0} is iterable, {0} is callable]";

    [Theory]
    // Booleans are numbers (Python's bool subclasses int) but not integers (Jinja excludes them).
    [InlineData("true", "[True, False, False, True, True, False, False, False, True, False, False, False, False, False]")]
    [InlineData("none", "[True, False, True, False, False, False, False, False, False, False, False, False, False, False]")]
    [InlineData("1", "[True, False, False, False, False, False, True, False, True, False, False, False, False, False]")]
    [InlineData("1.5", "[True, False, False, False, False, False, False, True, True, False, False, False, False, False]")]
    // Strings are sequences and iterable (why Llama 3.1 JSON-quotes a string tool result).
    [InlineData("'s'", "[True, False, False, False, False, False, False, False, False, True, False, True, True, False]")]
    [InlineData("[1]", "[True, False, False, False, False, False, False, False, False, False, False, True, True, False]")]
    [InlineData("{'a': 1}", "[True, False, False, False, False, False, False, False, False, False, True, True, True, False]")]
    // Undefined: iterable (it iterates as empty), a sequence, and callable (calling it raises).
    [InlineData("x", "[False, True, False, False, False, False, False, False, False, False, False, True, True, True]")]
    [InlineData("range", "[True, False, False, False, False, False, False, False, False, False, False, False, False, True]")]
    [InlineData("namespace()", "[True, False, False, False, False, False, False, False, False, False, False, False, False, False]")]
    public void Test_OnValueKinds_MatchesJinja2(string value, string expected)
    {
        Assert.Equal(expected, Jinja.Render("{{ " + string.Format(System.Globalization.CultureInfo.InvariantCulture, Probe, "(" + value + ")") + " }}"));
    }

    [Theory]
    [InlineData("{{ 3 is odd }}{{ 3 is even }}{{ 9 is divisibleby 3 }}{{ 9 is divisibleby(4) }}", "TrueFalseTrueFalse")]
    [InlineData("{{ 'ab' is lower }}{{ 'AB' is upper }}{{ 'A1' is upper }}{{ '1' is lower }}", "TrueTrueTrueFalse")]
    [InlineData("{{ none is sameas none }}{{ 2 is in [1, 2] }}{{ 2 is eq 2 }}{{ 2 is equalto 3 }}{{ 2 is ne 3 }}", "TrueTrueTrueFalseTrue")]
    [InlineData("{{ 3 is gt 2 }}{{ 3 is ge 3 }}{{ 2 is lt 3 }}{{ 2 is le 1 }}{{ 3 is greaterthan 4 }}{{ 3 is lessthan 4 }}", "TrueTrueTrueFalseFalseTrue")]
    [InlineData("{{ 'upper' is filter }}{{ 'odd' is test }}{{ 'nope' is filter }}", "TrueTrueFalse")]
    [InlineData("{{ x is not defined and 1 is not none }}{{ enable is defined and enable is false }}", "TrueFalse")]
    public void Test_Named_MatchesJinja2(string template, string expected)
    {
        Assert.Equal(expected, Jinja.Render(template));
    }

    [Theory]
    [InlineData("[{{ '  a b  '.strip() }}|{{ 'xxaxx'.strip('x') }}|{{ '  a'.lstrip() }}|{{ 'a  '.rstrip() }}|{{ '\n\nx\n'.strip('\n') }}]", "[a b|a|a|a|x]")]
    [InlineData("{{ 'a,b,,c'.split(',') }}{{ ' a  b '.split() }}{{ '  a b c  '.split(none, 1) }}{{ 'a,b,c'.split(',', 1) }}", "['a', 'b', '', 'c']['a', 'b']['a', 'b c  ']['a', 'b,c']")]
    [InlineData("{{ 'a,b,c'.rsplit(',', 1) }}{{ ' a  b  c '.rsplit(none, 1) }}{{ 'x</think>y'.split('</think>')[-1] }}", "['a,b', 'c'][' a  b', 'c']y")]
    [InlineData("{{ 'abc'.startswith('ab') }}{{ 'abc'.endswith(('x', 'c')) }}{{ 'abc'.startswith('b', 1) }}{{ 'abc'.endswith('b', 0, 2) }}", "TrueTrueTrueTrue")]
    [InlineData("{{ 'Hello'.upper() }}{{ 'Hello'.lower() }}{{ 'hello world'.title() }}{{ 'hELLO'.capitalize() }}{{ 'aB'.swapcase() }}", "HELLOhelloHello WorldHelloAb")]
    [InlineData("{{ 'aaa'.replace('a', 'b', 2) }}{{ 'abcabc'.find('c') }}{{ 'abcabc'.rfind('c') }}{{ 'abc'.find('z') }}{{ 'abcabc'.count('bc') }}{{ '-'.join(['a', 'b']) }}", "bba25-12a-b")]
    [InlineData("{{ '{} and {}'.format(1, 'x') }}|{{ '{0}{0}{name}'.format(5, name='n') }}|{{ '{:>5}|{:<5}|{:^5}|{:05.1f}|{:,}|{:+d}'.format('a', 'b', 'c', 3.14159, 1234567, 5) }}",
        "1 and x|55n|    a|b    |  c  |003.1|1,234,567|+5")]
    [InlineData("{{ 'a\nb\r\nc'.splitlines() }}{{ '42'.isdigit() }}{{ 'ab'.isalpha() }}{{ ' '.isspace() }}{{ 'Ab'.islower() }}", "['a', 'b', 'c']TrueTrueTrueFalse")]
    [InlineData("{{ 'ab'.zfill(5) }}{{ 'a=b=c'.partition('=') }}{{ 'a=b=c'.rpartition('=') }}{{ 'prefix_x'.removeprefix('prefix_') }}{{ 'ab'.ljust(4, '*') }}", "000ab('a', '=', 'b=c')('a=b', '=', 'c')xab**")]
    [InlineData("{% set d = {'a': 1} %}{{ d.get('a') }}{{ d.get('q') }}{{ d.get('q', 5) }}{{ d.keys()|list }}{{ d.values()|list }}{{ d.items()|list }}", "1None5['a'][1][('a', 1)]")]
    [InlineData("{{ [1, 2, 2].count(2) }}{{ [1, 2].index(2) }}{{ (1, 2).index(1) }}", "210")]
    public void Method_Called_MatchesPython(string template, string expected)
    {
        Assert.Equal(expected, Jinja.Render(template));
    }
}
