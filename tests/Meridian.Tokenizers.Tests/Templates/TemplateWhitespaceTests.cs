// Whitespace control as transformers configures Jinja2: trim_blocks, lstrip_blocks, `-` and `+`
// modifiers, comments, raw blocks, one trailing newline dropped. Expected strings are Jinja2 3.1.6's.
using Meridian.Tokenizers.Templates;

namespace Meridian.Tokenizers.Tests.Templates;

public sealed class TemplateWhitespaceTests
{
    [Theory]
    // lstrip_blocks removes the indent before a block tag; trim_blocks the newline after it.
    [InlineData("a\n  {% if true %}\n  x\n  {% endif %}\nb", "a\n  x\nb")]
    // Not at the start of a line: the spaces stay.
    [InlineData("a  {% if true %}x{% endif %}  b", "a  x  b")]
    // `+` keeps the indent despite lstrip_blocks.
    [InlineData("a\n  {%+ if true %}x{% endif %}\nb", "a\n  xb")]
    // `-` strips all whitespace on that side, newlines included.
    [InlineData("a\n  {%- if true -%}\n  x  \n  {%- endif %}\nb", "axb")]
    [InlineData("{% for i in [1,2] -%}\n  {{ i }}\n{%- endfor %}", "12")]
    [InlineData("a {%- set x = 1 %} b{{- ' c' }} d", "a b c d")]
    // lstrip_blocks does not apply to {{ }}, but trim_blocks-style newline removal does not either.
    [InlineData("  {{ 1 }}  \n", "  1  ")]
    // Comments are block-like: indented comment lines vanish with their newline.
    [InlineData("line1\n   {# comment #}\nline2", "line1\nline2")]
    [InlineData("a\n{#- c #}\nb", "ab")]
    // `-#}` strips only what follows; the newline before the comment stays.
    [InlineData("a\n{# c -#}\nb", "a\nb")]
    // Tabs count as indent; only spaces/tabs before the tag on its own line go.
    [InlineData("\t\t{% for i in [1,2] %}\n\t{{ i }}\n\t\t{% endfor %}\n", "\t1\n\t2\n")]
    // NBSP is Python whitespace, so lstrip_blocks removes it too.
    [InlineData("  \u00a0{% if true %}x{% endif %}", "x")]
    // keep_trailing_newline=False: exactly one trailing newline goes.
    [InlineData("x\n\n", "x\n")]
    [InlineData("{% if true %}\nx\n{% endif %}\n", "x\n")]
    // \r\n in the template is normalised to \n.
    [InlineData("x\r\ny\r\n", "x\ny")]
    // `+%}` turns trim_blocks off for that tag.
    [InlineData("{% if true +%}\nx\n{%- endif %}", "\nx")]
    // raw: the body is data; raw-begin has no trim_blocks, raw-end does.
    [InlineData("{% raw %}\n  {{ a }} {% if %}{% endraw %}!", "\n  {{ a }} {% if %}!")]
    [InlineData("  {%- raw -%}  {{ a }}  {%- endraw -%}  !", "{{ a }}!")]
    public void Render_WhitespaceControl_MatchesJinja2(string template, string expected)
    {
        Assert.Equal(expected, Jinja.Render(template));
    }

    [Fact]
    public void Render_TrimAndLstripOff_KeepsTagWhitespace()
    {
        // With Jinja's plain defaults every newline and indent around tags stays.
        var options = new ChatTemplateOptions { TrimBlocks = false, LstripBlocks = false, KeepTrailingNewline = true };
        Assert.Equal("a\n  \n  x\n  \nb\n", Jinja.Render("a\n  {% if true %}\n  x\n  {% endif %}\nb\n", options: options));
    }
}
