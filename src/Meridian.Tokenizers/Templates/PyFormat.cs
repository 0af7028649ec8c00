// Python string formatting: `fmt % args` (printf-style) and str.format / format specs, the subset
// templates use (s r d i f e g x o c %, fill/align/sign/width/precision). Unsupported specs raise.
using System.Globalization;
using System.Text;

namespace Meridian.Tokenizers.Templates;

internal static class PyFormat
{
    /// <summary>Python `format % args`; a tuple supplies several arguments, a dict named ones.</summary>
    public static string Percent(string format, object? args)
    {
        List<object?> values = args is JinjaList { IsTuple: true } t ? t.Items : [args];
        int next = 0;
        var sb = new StringBuilder();
        int i = 0;
        while (i < format.Length)
        {
            char c = format[i++];
            if (c != '%') { sb.Append(c); continue; }
            if (i >= format.Length) throw new TemplateRuntimeError("ValueError: incomplete format");
            object? value;
            bool named = false;
            if (format[i] == '(')
            {
                int close = format.IndexOf(')', i);
                if (close < 0) throw new TemplateRuntimeError("ValueError: incomplete format key");
                if (args is not JinjaDict map) throw new TemplateRuntimeError("TypeError: format requires a mapping");
                string key = format.Substring(i + 1, close - i - 1);
                if (!map.TryGetValue(key, out value)) throw new TemplateRuntimeError($"KeyError: {PyRepr.Repr(key)}");
                named = true;
                i = close + 1;
            }
            else value = null;
            var spec = new Spec();
            while (i < format.Length && "-+ 0#".Contains(format[i]))
            {
                switch (format[i])
                {
                    case '-': spec.Align = '<'; break;
                    case '+': spec.Sign = '+'; break;
                    case ' ': if (spec.Sign != '+') spec.Sign = ' '; break;
                    case '0': spec.ZeroPad = true; break;
                    case '#': spec.Alternate = true; break;
                }
                i++;
            }
            spec.Width = ReadNumber(format, ref i);
            if (i < format.Length && format[i] == '.')
            {
                i++;
                spec.Precision = ReadNumber(format, ref i) ?? 0;
            }
            while (i < format.Length && format[i] is 'h' or 'l' or 'L') i++;
            if (i >= format.Length) throw new TemplateRuntimeError("ValueError: incomplete format");
            char type = format[i++];
            if (type == '%') { sb.Append('%'); continue; }
            if (!named)
            {
                if (args is JinjaDict) value = args;
                else if (next >= values.Count) throw new TemplateRuntimeError("TypeError: not enough arguments for format string");
                else value = values[next++];
            }
            spec.Type = type switch { 'i' or 'u' => 'd', 'F' => 'f', _ => type };
            if (spec.Align == '\0') spec.Align = '>';
            sb.Append(spec.Type switch
            {
                's' => spec.Pad(Truncate(PyRepr.Str(value), spec.Precision), numeric: false),
                'r' or 'a' => spec.Pad(Truncate(PyRepr.Repr(value), spec.Precision), numeric: false),
                'c' => spec.Pad(value is string ch ? ch : char.ConvertFromUtf32((int)RequireNumber(value, type)), numeric: false),
                _ => FormatNumber(RequireNumber(value, type), spec),
            });
        }
        if (args is not JinjaDict && next < values.Count)
            throw new TemplateRuntimeError("TypeError: not all arguments converted during string formatting");
        return sb.ToString();
    }

    /// <summary>Python str.format(*args, **kwargs) with fields {}, {0}, {name} and an optional !r/!s and :spec.</summary>
    public static string StrFormat(string format, CallArgs args)
    {
        var sb = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < format.Length; i++)
        {
            char c = format[i];
            if (c == '}')
            {
                if (i + 1 < format.Length && format[i + 1] == '}') { sb.Append('}'); i++; continue; }
                throw new TemplateRuntimeError("ValueError: Single '}' encountered in format string");
            }
            if (c != '{') { sb.Append(c); continue; }
            if (i + 1 < format.Length && format[i + 1] == '{') { sb.Append('{'); i++; continue; }
            int close = format.IndexOf('}', i);
            if (close < 0) throw new TemplateRuntimeError("ValueError: Single '{' encountered in format string");
            string field = format.Substring(i + 1, close - i - 1);
            i = close;
            string specText = "";
            int colon = field.IndexOf(':');
            if (colon >= 0) { specText = field.Substring(colon + 1); field = field.Substring(0, colon); }
            char conversion = '\0';
            int bang = field.IndexOf('!');
            if (bang >= 0) { conversion = field.Length > bang + 1 ? field[bang + 1] : 's'; field = field.Substring(0, bang); }
            object? value;
            if (field.Length == 0) value = Positional(args, auto++);
            else if (int.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out int index)) value = Positional(args, index);
            else
            {
                int k = args.Named.FindIndex(p => p.Key == field);
                if (k < 0) throw new TemplateRuntimeError($"KeyError: {PyRepr.Repr(field)}");
                value = args.Named[k].Value;
            }
            if (conversion == 'r' || conversion == 'a') value = PyRepr.Repr(value);
            else if (conversion == 's') value = PyRepr.Str(value);
            sb.Append(FormatValue(value, specText));
        }
        return sb.ToString();
    }

    /// <summary>Python format(value, spec) for str, int, float and bool.</summary>
    public static string FormatValue(object? value, string specText)
    {
        if (specText.Length == 0) return PyRepr.Str(value);
        var spec = Spec.Parse(specText);
        if (value is string s)
        {
            if (spec.Type is not ('\0' or 's')) throw new TemplateRuntimeError($"ValueError: Unknown format code '{spec.Type}' for object of type 'str'");
            if (spec.Align == '\0') spec.Align = '<';
            return spec.Pad(Truncate(s, spec.Precision), numeric: false);
        }
        if (!PyOps.IsNumber(value)) return spec.Pad(PyRepr.Str(value), numeric: false);
        if (spec.Align == '\0') spec.Align = '>';
        if (spec.Type == '\0') spec.Type = value is double ? (spec.Precision is null ? 'r' : 'g') : 'd';
        return FormatNumber(value!, spec);
    }

    private static object? Positional(CallArgs args, int index) =>
        index < args.Positional.Count ? args.Positional[index] : throw new TemplateRuntimeError($"IndexError: Replacement index {index} out of range for positional args tuple");

    private static string Truncate(string s, int? precision) => precision is int p && p < s.Length ? s.Substring(0, p) : s;

    private static object RequireNumber(object? value, char type) =>
        PyOps.IsNumber(value) ? value! : throw new TemplateRuntimeError($"TypeError: %{type} format: a real number is required, not {PyOps.TypeName(value)}");

    private static string FormatNumber(object value, Spec spec)
    {
        var inv = CultureInfo.InvariantCulture;
        double d = PyOps.ToDouble(value);
        bool negative = d < 0 || (d == 0 && double.IsNegative(d));
        string body;
        switch (spec.Type)
        {
            case 'd':
                if (value is double && spec.IsFormatSpec) throw new TemplateRuntimeError("ValueError: Unknown format code 'd' for object of type 'float'");
                long l = value is double dd ? (long)Math.Truncate(dd) : PyOps.ToLong(value);
                negative = l < 0;
                body = l == long.MinValue ? "9223372036854775808" : Math.Abs(l).ToString(inv);
                break;
            case 'x': case 'X': case 'o': case 'b':
                long n = PyOps.IsInteger(value) ? PyOps.ToLong(value) : throw new TemplateRuntimeError($"TypeError: %{spec.Type} format: an integer is required, not float");
                negative = n < 0;
                ulong mag = n < 0 ? (ulong)(-(n + 1)) + 1 : (ulong)n;
                body = spec.Type switch { 'o' => Convert.ToString((long)mag, 8), 'b' => Convert.ToString((long)mag, 2), 'X' => mag.ToString("X", inv), _ => mag.ToString("x", inv) };
                if (spec.Alternate) body = (spec.Type switch { 'o' => "0o", 'b' => "0b", 'X' => "0X", _ => "0x" }) + body;
                break;
            case 'f': body = Math.Abs(d).ToString("F" + (spec.Precision ?? 6), inv); break;
            case 'e': case 'E': body = Exponent(Math.Abs(d), spec.Precision ?? 6, spec.Type); break;
            case 'g': case 'G': body = General(Math.Abs(d), spec.Precision ?? 6, spec.Type, spec.Alternate); break;
            case '%': body = (Math.Abs(d) * 100).ToString("F" + (spec.Precision ?? 6), inv) + "%"; break;
            case 'r': body = PyFloat.Repr(Math.Abs(d)); break;
            default: throw new TemplateRuntimeError($"ValueError: unsupported format character '{spec.Type}'");
        }
        if (double.IsNaN(d)) { body = "nan"; negative = false; }
        else if (double.IsInfinity(d)) body = "inf";
        string sign = negative ? "-" : spec.Sign is '+' or ' ' ? spec.Sign.ToString() : "";
        if (spec.Grouping && spec.Type is 'd' or 'f' or 'r')
        {
            int dot = body.IndexOf('.');
            string intPart = dot < 0 ? body : body.Substring(0, dot);
            var grouped = new StringBuilder();
            for (int i = 0; i < intPart.Length; i++)
            {
                if (i > 0 && (intPart.Length - i) % 3 == 0) grouped.Append(',');
                grouped.Append(intPart[i]);
            }
            body = grouped + (dot < 0 ? "" : body.Substring(dot));
        }
        if (spec.ZeroPad && spec.Width is int w && spec.Align is '>' or '=')
            return sign + body.PadLeft(Math.Max(0, w - sign.Length), '0');
        return spec.Pad(sign + body, numeric: true);
    }

    private static string Exponent(double d, int precision, char type)
    {
        string s = d.ToString((type == 'E' ? "E" : "e") + precision, CultureInfo.InvariantCulture);
        // .NET writes at least three exponent digits; Python at least two.
        int e = s.IndexOfAny(['e', 'E']);
        string exp = s.Substring(e + 2).TrimStart('0');
        return s.Substring(0, e + 2) + (exp.Length < 2 ? exp.PadLeft(2, '0') : exp);
    }

    private static string General(double d, int precision, char type, bool alternate)
    {
        int p = precision == 0 ? 1 : precision;
        if (d == 0) return alternate ? "0." + new string('0', p - 1) : "0";
        string e = Exponent(d, p - 1, 'e');
        int x = int.Parse(e.AsSpan(e.IndexOf('e') + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        string s = p > x && x >= -4 ? d.ToString("F" + (p - 1 - x), CultureInfo.InvariantCulture) : Exponent(d, p - 1, type == 'G' ? 'E' : 'e');
        if (alternate) return s;
        int mark = s.IndexOfAny(['e', 'E']);
        string mant = mark < 0 ? s : s.Substring(0, mark), tail = mark < 0 ? "" : s.Substring(mark);
        if (mant.Contains('.')) mant = mant.TrimEnd('0').TrimEnd('.');
        return mant + tail;
    }

    private static int? ReadNumber(string s, ref int i)
    {
        int start = i;
        while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        return i > start ? int.Parse(s.AsSpan(start, i - start), CultureInfo.InvariantCulture) : null;
    }

    private sealed class Spec
    {
        public char Fill = ' ', Align, Sign, Type;
        public bool ZeroPad, Alternate, Grouping, IsFormatSpec;
        public int? Width, Precision;

        public static Spec Parse(string text)
        {
            var spec = new Spec { IsFormatSpec = true };
            int i = 0;
            if (text.Length >= 2 && text[1] is '<' or '>' or '^' or '=') { spec.Fill = text[0]; spec.Align = text[1]; i = 2; }
            else if (text.Length >= 1 && text[0] is '<' or '>' or '^' or '=') { spec.Align = text[0]; i = 1; }
            if (i < text.Length && text[i] is '+' or '-' or ' ') spec.Sign = text[i++];
            if (i < text.Length && text[i] == '#') { spec.Alternate = true; i++; }
            if (i < text.Length && text[i] == '0') { spec.ZeroPad = true; i++; }
            spec.Width = ReadNumber(text, ref i);
            if (i < text.Length && text[i] == ',') { spec.Grouping = true; i++; }
            if (i < text.Length && text[i] == '.') { i++; spec.Precision = ReadNumber(text, ref i) ?? throw new TemplateRuntimeError("ValueError: Format specifier missing precision"); }
            if (i < text.Length) spec.Type = text[i++];
            if (i != text.Length) throw new TemplateRuntimeError($"ValueError: Invalid format specifier '{text}'");
            if (spec.ZeroPad && spec.Align == '\0') { spec.Align = '='; spec.Fill = '0'; }
            return spec;
        }

        public string Pad(string s, bool numeric)
        {
            int len = PyText.Length(s);
            if (Width is not int w || w <= len) return s;
            int pad = w - len;
            string fill = Fill.ToString();
            return Align switch
            {
                '<' => s + PyText.Repeat(fill, pad),
                '^' => PyText.Repeat(fill, pad / 2) + s + PyText.Repeat(fill, pad - pad / 2),
                '=' when numeric && s.Length > 0 && s[0] is '-' or '+' or ' ' => s[0] + PyText.Repeat(fill, pad) + s.Substring(1),
                _ => PyText.Repeat(fill, pad) + s,
            };
        }
    }
}
