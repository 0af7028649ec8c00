// Errors: syntax errors name line and column, unterminated tags name the line of the opening tag,
// render errors name the line of the failing expression (Jinja2 reports the same lines), and
// raise_exception(msg) surfaces with exactly msg.
using Meridian.Tokenizers.Templates;

namespace Meridian.Tokenizers.Tests.Templates;

public sealed class TemplateErrorTests
{
    [Fact]
    public void Parse_BadExpression_ReportsLineAndColumn()
    {
        // "line2 {{ 1 + }}": the unexpected "}}" starts at column 14 of line 2.
        var error = Assert.Throws<TemplateException>(() => ChatTemplate.Parse("line1\nline2 {{ 1 + }}", "t"));
        Assert.Equal(2, error.Line);
        Assert.Equal(14, error.Column);
        Assert.Contains("line 2, column 14", error.Message, StringComparison.Ordinal);
        Assert.Contains("'t'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    // An unclosed block is reported at its opening tag (Jinja2 reports the end of the template).
    [InlineData("a\n{% if x %}\nb", 2, "'if'")]
    [InlineData("a\n\n{% for x in y %}{% if x %}{% endif %}", 3, "'for'")]
    [InlineData("a\nb {{ 'abc }}", 2, "unterminated string")]
    [InlineData("a\n{# never closed", 2, "Missing end of comment tag")]
    [InlineData("{% raw %}\nno end", 1, "Missing end of raw directive")]
    [InlineData("x\n{{ x", 2, "never closed")]
    [InlineData("x\n{% if x", 2, "never closed")]
    [InlineData("\n\n{% foo %}", 3, "unknown tag 'foo'")]
    [InlineData("{% for x in y %}\n{% endif %}", 2, "unknown tag 'endif'")]
    [InlineData("{{ [1, 2)] }}", 1, "unexpected ')', expected ']'")]
    [InlineData("{% macro m(a=1, b) %}{% endmacro %}", 1, "non-default argument follows default argument")]
    [InlineData("{% set 1 = 2 %}", 1, "can't assign")]
    [InlineData("{% break %}", 1, "outside of a loop")]
    [InlineData("{% include 'other' %}", 1, "not supported")]
    public void Parse_MalformedTemplate_ThrowsWithLine(string template, int line, string reason)
    {
        var error = Assert.Throws<TemplateException>(() => ChatTemplate.Parse(template));
        Assert.Equal(line, error.Line);
        Assert.NotNull(error.Column);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    // Line numbers as Jinja2's traceback reports them; messages in Python's wording.
    [InlineData("line1\n{{ x.y }}", 2, "'x' is undefined")]
    [InlineData("a\n\n{% if true %}\n{{ 1 + none }}\n{% endif %}", 4, "unsupported operand type(s) for +: 'int' and 'NoneType'")]
    [InlineData("a\n{% for i in [1] %}\n\n  {{ i.strip() }}\n{% endfor %}", 4, "'int object' has no attribute 'strip'")]
    [InlineData("{% macro m() %}\n\n{{ 1 // 0 }}\n{% endmacro %}\n{{ m() }}", 3, "ZeroDivisionError")]
    [InlineData("{{\n  1 +\n  'a'\n}}", 2, "unsupported operand type(s) for +: 'int' and 'str'")]
    [InlineData("a\r\nb\r\n{{ x.y }}", 3, "'x' is undefined")]
    [InlineData("{{ 'x' in none }}", 1, "argument of type 'NoneType' is not iterable")]
    [InlineData("{{ 'a' + none }}", 1, "can only concatenate str (not \"NoneType\") to str")]
    [InlineData("{{ none.strip() }}", 1, "'None' has no attribute 'strip'")]
    [InlineData("{{ 1 < 'a' }}", 1, "'<' not supported between instances of 'int' and 'str'")]
    [InlineData("{% for a, b in [1] %}{% endfor %}", 1, "cannot unpack non-iterable int object")]
    // Jinja2 blames line 1 here (an artefact of its code generator); the failing tag is on line 2.
    [InlineData("{% set x = 1 %}\n{% set x.y = 2 %}", 2, "non-namespace object")]
    [InlineData("{{ [].append(1) }}", 1, "access to attribute 'append' of 'list' object is unsafe")]
    [InlineData("{{ {}.pop('a') }}", 1, "unsafe")]
    [InlineData("{{ x|nosuchfilter }}", 1, "No filter named 'nosuchfilter'")]
    [InlineData("{{ 1 is nosuchtest }}", 1, "No test named 'nosuchtest'")]
    [InlineData("{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}", 1, "takes not more than 1 argument(s)")]
    [InlineData("{{ {'a': 1}|tojson }}{{ x|tojson }}", 1, "Object of type Undefined is not JSON serializable")]
    public void Render_FailingExpression_ThrowsWithLine(string template, int line, string reason)
    {
        var error = Assert.Throws<TemplateException>(() => Jinja.Render(template));
        Assert.Equal(line, error.Line);
        Assert.Null(error.Column);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Contains($"line {line}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_RaiseException_MessageIsExactlyTheArgument()
    {
        const string message = "Roles must alternate: \"user\"/'assistant' \u2014 \U0001F600";
        var error = Assert.Throws<TemplateRaiseException>(() =>
            Jinja.Render("1\n2\n{{ raise_exception(msg) }}", "{\"msg\": \"" + message.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"}"));
        Assert.Equal(message, error.Message);
        Assert.Equal(3, error.Line);
        Assert.IsAssignableFrom<TemplateException>(error);
    }

    [Fact]
    public void Render_EngineError_IsNotARaiseException()
    {
        var error = Assert.Throws<TemplateException>(() => Jinja.Render("{{ none + 'a' }}"));
        Assert.IsNotType<TemplateRaiseException>(error);
    }

    [Fact]
    public void Render_UnsupportedDotNetValue_ThrowsArgumentExceptionNamingThePath()
    {
        var template = ChatTemplate.Parse("{{ x }}");
        var variables = new Dictionary<string, object?> { ["x"] = new Dictionary<string, object?> { ["when"] = DateTime.UnixEpoch } };
        var error = Assert.Throws<ArgumentException>(() => template.Render(variables));
        Assert.Contains("x.when", error.Message, StringComparison.Ordinal);
    }
}
