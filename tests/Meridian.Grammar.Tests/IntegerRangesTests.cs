// Integer bounds as digit ranges, against plain comparison: every integer in -1200..1200 (and around powers of ten
// far out) is matched exactly when it lies in the range, for open and closed ranges of every sign.
using Meridian.Grammar.Json;
using Meridian.Grammar.Regex;

namespace Meridian.Grammar.Tests;

public sealed class IntegerRangesTests
{
    [Theory]
    [InlineData(0L, 0L)]
    [InlineData(0L, 9L)]
    [InlineData(7L, 93L)]
    [InlineData(-15L, 237L)]
    [InlineData(-1000L, -1L)]
    [InlineData(-999L, -100L)]
    [InlineData(100L, 999L)]
    [InlineData(199L, 1001L)]
    [InlineData(null, 0L)]
    [InlineData(null, -7L)]
    [InlineData(1L, null)]
    [InlineData(-3L, null)]
    [InlineData(56L, null)]
    [InlineData(null, null)]
    [InlineData(999_999_999_990L, 1_000_000_000_011L)]
    public void Range_MatchesExactlyTheIntegersInIt(long? min, long? max)
    {
        var x = new ExprSet();
        int e = IntegerRanges.Of(x, min, max);
        var values = Enumerable.Range(-1200, 2401).Select(i => (long)i).ToList();
        foreach (long p in new[] { 999_999_999_989L, 999_999_999_990L, 999_999_999_999L, 1_000_000_000_000L, 1_000_000_000_011L, 1_000_000_000_012L, long.MaxValue / 10 })
        {
            values.Add(p);
            values.Add(-p);
        }
        foreach (long v in values)
        {
            bool inRange = (min is null || v >= min) && (max is null || v <= max);
            Assert.True(Matches(x, e, v.ToString(System.Globalization.CultureInfo.InvariantCulture)) == inRange, $"[{min}, {max}] on {v}: expected {inRange}");
        }
        Assert.False(Matches(x, e, "-0"));
        Assert.False(Matches(x, e, "007"));
    }

    private static bool Matches(ExprSet x, int e, string text)
    {
        foreach (char c in text)
        {
            e = x.Derivative(e, (byte)c);
            if (e == ExprSet.Nothing)
                return false;
        }
        return x.Nullable(e);
    }
}
