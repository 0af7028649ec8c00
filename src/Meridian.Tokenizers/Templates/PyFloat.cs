// Python float repr (shortest round-trip digits, exponent form when decpt <= -4 or > 16, as
// CPython's float_repr_style 'short') and Python's round() with exact half-to-even on the double.
using System.Globalization;
using System.Numerics;

namespace Meridian.Tokenizers.Templates;

internal static class PyFloat
{
    public static string Repr(double d)
    {
        if (double.IsNaN(d)) return "nan";
        if (double.IsInfinity(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return double.IsNegative(d) ? "-0.0" : "0.0";
        // .NET's "R" gives the shortest digits that round-trip, as CPython's repr does.
        string r = Math.Abs(d).ToString("R", CultureInfo.InvariantCulture);
        int e = r.IndexOfAny(['E', 'e']);
        int exp = e < 0 ? 0 : int.Parse(r.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        string mant = e < 0 ? r : r.Substring(0, e);
        int dot = mant.IndexOf('.');
        string intPart = dot < 0 ? mant : mant.Substring(0, dot);
        string digits = dot < 0 ? mant : intPart + mant.Substring(dot + 1);
        int decpt = intPart.Length + exp; // value = 0.DIGITS * 10^decpt
        int lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0') lead++;
        digits = digits.Substring(lead).TrimEnd('0');
        decpt -= lead;
        string sign = d < 0 ? "-" : "";
        if (decpt > 16 || decpt < -3)
        {
            string m = digits.Length > 1 ? digits[0] + "." + digits.Substring(1) : digits;
            int x = decpt - 1;
            return sign + m + "e" + (x < 0 ? "-" : "+") + Math.Abs(x).ToString("00", CultureInfo.InvariantCulture);
        }
        if (decpt <= 0) return sign + "0." + new string('0', -decpt) + digits;
        if (decpt >= digits.Length) return sign + digits + new string('0', decpt - digits.Length) + ".0";
        return sign + digits.Substring(0, decpt) + "." + digits.Substring(decpt);
    }

    /// <summary>Python round(d, ndigits): the exact binary value rounded half-to-even at the decimal digit.</summary>
    public static double Round(double d, long ndigits)
    {
        if (double.IsNaN(d) || double.IsInfinity(d) || d == 0) return d;
        if (ndigits > 400) return d;
        if (ndigits < -400) return 0.0 * Math.Sign(d);
        // d = mantissa * 2^exp exactly; scaled = d * 10^ndigits as a rational num/den.
        long bits = BitConverter.DoubleToInt64Bits(Math.Abs(d));
        int rawExp = (int)((bits >> 52) & 0x7FF);
        long frac = bits & 0xFFFFFFFFFFFFFL;
        BigInteger mantissa = rawExp == 0 ? frac : frac | (1L << 52);
        int exp2 = (rawExp == 0 ? 1 : rawExp) - 1075;
        BigInteger num = mantissa, den = BigInteger.One;
        if (exp2 >= 0) num <<= exp2; else den <<= -exp2;
        if (ndigits >= 0) num *= BigInteger.Pow(10, (int)ndigits); else den *= BigInteger.Pow(10, (int)-ndigits);
        BigInteger q = BigInteger.DivRem(num, den, out BigInteger rem);
        int cmp = (rem * 2).CompareTo(den);
        if (cmp > 0 || (cmp == 0 && !q.IsEven)) q += 1;
        string text = q.ToString(CultureInfo.InvariantCulture) + "e" + (-ndigits).ToString(CultureInfo.InvariantCulture);
        double result = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        return d < 0 ? -result : result;
    }
}
