// Number bounds against decimal comparison: for schemas with minimum, maximum and their exclusive forms (integer and
// fractional bounds, either sign, draft 4's boolean flags), every number text on a grid of values and spellings is
// accepted only when its value meets the bounds, and the grid values strictly inside with at most two decimals are
// all accepted (the grammar leaves out exponents and values equal to a fractional bound, nothing else).
using System.Globalization;
using System.Text.Json;
using Meridian.Grammar.Json;
using Meridian.Grammar.Matching;

namespace Meridian.Grammar.Tests;

public sealed class NumberBoundsTests
{
    [Theory]
    [InlineData("""{"type":"number","minimum":0,"maximum":1}""", "0", true, "1", true)]
    [InlineData("""{"type":"number","minimum":0.25,"maximum":2.5}""", "0.25", true, "2.5", true)]
    [InlineData("""{"type":"number","exclusiveMinimum":-1.5,"exclusiveMaximum":3}""", "-1.5", false, "3", false)]
    [InlineData("""{"type":"number","minimum":-2.75}""", "-2.75", true, null, false)]
    [InlineData("""{"type":"number","maximum":-0.05}""", null, false, "-0.05", true)]
    [InlineData("""{"type":"number","minimum":1.05,"maximum":1.95}""", "1.05", true, "1.95", true)]
    [InlineData("""{"type":"number","minimum":-0.5,"exclusiveMaximum":0.5}""", "-0.5", true, "0.5", false)]
    [InlineData("""{"type":"number","minimum":2,"exclusiveMinimum":true,"maximum":4}""", "2", false, "4", true)]
    public void Bounds_AcceptOnlyNumbersWithin(string schema, string? low, bool lowInclusive, string? high, bool highInclusive)
    {
        decimal? lo = low is null ? null : decimal.Parse(low, CultureInfo.InvariantCulture);
        decimal? hi = high is null ? null : decimal.Parse(high, CultureInfo.InvariantCulture);
        using var doc = JsonDocument.Parse(schema);
        var grammar = JsonSchemaCompiler.Compile(doc.RootElement);
        var lexer = new LexerStates(grammar);
        int inside = 0;
        for (int hundredths = -500; hundredths <= 500; hundredths++)
        {
            decimal v = hundredths / 100m;
            bool within = (lo is null || (lowInclusive ? v >= lo : v > lo)) && (hi is null || (highInclusive ? v <= hi : v < hi));
            bool strictlyInside = (lo is null || v > lo) && (hi is null || v < hi);
            foreach (string text in Spellings(v))
            {
                bool accepted = JsonSchemaSuiteTests.Accepts(grammar, lexer, text);
                Assert.False(accepted && !within, $"{schema} accepts {text}");
                if (strictlyInside && text == Plain(v))
                {
                    Assert.True(accepted, $"{schema} refuses {text}, which lies inside");
                    inside++;
                }
            }
        }
        Assert.True(inside > 0);
    }

    // The shortest text of v, with trailing zeros, and with an exponent.
    private static IEnumerable<string> Spellings(decimal v)
    {
        yield return Plain(v);
        yield return v.ToString("0.000", CultureInfo.InvariantCulture);
        yield return (v * 10).ToString("0.###", CultureInfo.InvariantCulture) + "e-1";
    }

    private static string Plain(decimal v) => v.ToString("0.##", CultureInfo.InvariantCulture);
}
