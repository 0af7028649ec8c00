// The decimal texts of the integers in [min, max] (either end open) as a byte-level expression, without leading
// zeros and without "-0": the digit-range construction regex generators use (split [a, b] at powers of ten, then
// at the first digit where a and b differ, until every piece is a prefix, one digit range and free digits).
using Meridian.Grammar.Regex;

namespace Meridian.Grammar.Json;

internal static class IntegerRanges
{
    public static int Of(ExprSet x, long? min, long? max)
    {
        var parts = new List<int>();
        // Non-negative part: [max(min, 0), max].
        if (max is not { } hi0 || hi0 >= 0)
        {
            long a = Math.Max(min ?? 0, 0);
            parts.Add(max is { } hi ? Range(x, a, hi) : AtLeast(x, a));
        }
        // Negative part: -[max(-max, 1), -min].
        if (min is not { } lo0 || lo0 < 0)
        {
            long a = max is { } hi && hi < 0 ? -hi : 1;
            int digits = min is { } lo ? Range(x, a, -lo) : AtLeast(x, a);
            parts.Add(x.Concat(x.Byte((byte)'-'), digits));
        }
        return x.Or(parts.ToArray());
    }

    // [a, infinity): [a, 10^n - 1] for a's n digits, then any number with more digits.
    private static int AtLeast(ExprSet x, long a)
    {
        int n = a.ToString(System.Globalization.CultureInfo.InvariantCulture).Length;
        long top = Pow10(n) - 1;
        int longer = x.Concat(Digits(x, '1', '9'), x.Repeat(Digits(x, '0', '9'), n, -1));
        return x.Or(Range(x, a, top), longer);
    }

    // [a, b], 0 <= a <= b.
    private static int Range(ExprSet x, long a, long b)
    {
        if (a > b)
            return ExprSet.Nothing;
        string sa = a.ToString(System.Globalization.CultureInfo.InvariantCulture), sb = b.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (sa.Length < sb.Length)
        {
            long split = Pow10(sa.Length);
            return x.Or(Range(x, a, split - 1), Range(x, split, b));
        }
        int n = sa.Length, i = 0;
        while (i < n && sa[i] == sb[i])
            i++;
        if (i == n)
            return Text(x, sa);
        int prefix = Text(x, sa[..i]);
        int rest = n - i - 1;
        if (sa[(i + 1)..].All(c => c == '0') && sb[(i + 1)..].All(c => c == '9'))
            return x.Concat([prefix, Digits(x, sa[i], sb[i]), x.Repeat(Digits(x, '0', '9'), rest, rest)]);
        long lowEnd = long.Parse(sa[..(i + 1)] + new string('9', rest), System.Globalization.CultureInfo.InvariantCulture);
        long highStart = long.Parse(sb[..(i + 1)] + new string('0', rest), System.Globalization.CultureInfo.InvariantCulture);
        var parts = new List<int> { Range(x, a, lowEnd) };
        if (sb[i] - sa[i] > 1)
            parts.Add(x.Concat([prefix, Digits(x, (char)(sa[i] + 1), (char)(sb[i] - 1)), x.Repeat(Digits(x, '0', '9'), rest, rest)]));
        parts.Add(Range(x, highStart, b));
        return x.Or(parts.ToArray());
    }

    private static int Digits(ExprSet x, char lo, char hi) => x.Bytes(ByteSet.Range(lo, hi));

    private static int Text(ExprSet x, string s) => x.Concat(s.Select(c => x.Byte((byte)c)).ToArray());

    private static long Pow10(int n)
    {
        long p = 1;
        for (int i = 0; i < n; i++)
            p *= 10;
        return p;
    }
}
