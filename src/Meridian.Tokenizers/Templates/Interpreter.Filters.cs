// Filters on strings and scalars with Jinja2 3.1's signatures and quirks: string filters stringify first
// (so `none | trim` is 'None'), tojson is transformers' override, int/float/round/indent/truncate as
// jinja2/filters.py. Sequence filters are in Interpreter.Filters.Sequences.cs.
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Meridian.Tokenizers.Templates;

internal sealed partial class Interpreter
{
    private static readonly HashSet<string> FilterNames =
    [
        "abs", "attr", "batch", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape", "first",
        "float", "forceescape", "format", "indent", "int", "items", "join", "last", "length", "list", "lower", "map",
        "max", "min", "reject", "rejectattr", "replace", "reverse", "round", "safe", "select", "selectattr", "sort",
        "string", "striptags", "sum", "title", "tojson", "trim", "truncate", "unique", "upper", "wordcount",
    ];

    private static readonly Regex TitleSplit = new(@"([-\s\(\{\[\<]+)", RegexOptions.CultureInvariant);

    internal object? ApplyFilter(string name, object? value, CallArgs args)
    {
        switch (name)
        {
            case "safe": args.Bind(name, [], []); return PyRepr.Str(value);
            case "string": args.Bind(name, [], []); return PyRepr.Str(value);
            case "upper": args.Bind(name, [], []); return PyText.Upper(PyRepr.Str(value));
            case "lower": args.Bind(name, [], []); return PyText.Lower(PyRepr.Str(value));
            case "capitalize": args.Bind(name, [], []); return PyText.Capitalize(PyRepr.Str(value));
            case "title": args.Bind(name, [], []); return Title(PyRepr.Str(value));
            case "trim":
            {
                var p = args.Bind(name, ["chars"], [null]);
                return PyText.Strip(PyRepr.Str(value), OptStr(p[0], name), left: true, right: true);
            }
            case "length" or "count": args.Bind(name, [], []); return PyOps.Length(value);
            case "d" or "default":
            {
                var p = args.Bind(name, ["default_value", "boolean"], ["", false]);
                return value is Undefined || (PyOps.Truthy(p[1]) && !PyOps.Truthy(value)) ? p[0] : value;
            }
            case "tojson": return ToJson(value, args);
            case "replace":
            {
                var p = args.Bind(name, ["old", "new", "count"], [CallArgs.Required, CallArgs.Required, null]);
                string result = PyText.Replace(PyRepr.Str(value), PyRepr.Str(p[0]), PyRepr.Str(p[1]), p[2] is null ? -1 : Int(p[2], name));
                PyOps.CheckSize(result.Length);
                return result;
            }
            case "e" or "escape" or "forceescape": args.Bind(name, [], []); return Escape(PyRepr.Str(value));
            case "abs":
                args.Bind(name, [], []);
                return value switch
                {
                    long l => l == long.MinValue ? throw new TemplateRuntimeError("OverflowError: integer result does not fit in 64 bits") : (object)Math.Abs(l),
                    bool b => b ? 1L : 0L,
                    double d => Math.Abs(d),
                    _ => throw new TemplateRuntimeError($"TypeError: bad operand type for abs(): '{PyOps.TypeName(value)}'"),
                };
            case "int":
            {
                var p = args.Bind(name, ["default", "base"], [0L, 10L]);
                if (value is Undefined u) throw u.Fail();
                return ToInt(value, Int(p[1], name)) ?? p[0];
            }
            case "float":
            {
                var p = args.Bind(name, ["default"], [0.0]);
                if (value is Undefined u) throw u.Fail();
                return ToFloat(value) ?? p[0];
            }
            case "round": return Round(value, args);
            case "center":
            {
                var p = args.Bind(name, ["width"], [80L]);
                return PyText.Center(PyRepr.Str(value), Int(p[0], name));
            }
            case "indent":
                return value switch
                {
                    string s => Indent(s, args),
                    Undefined u => throw u.Fail(),
                    _ => throw new TemplateRuntimeError($"TypeError: the indent filter needs a string, not {PyOps.TypeName(value)}"),
                };
            case "truncate": return Truncate(value, args);
            case "wordcount":
                args.Bind(name, [], []);
                return (long)Regex.Matches(PyRepr.Str(value), @"\w+", RegexOptions.CultureInvariant).Count;
            case "striptags": args.Bind(name, [], []); return StripTags(PyRepr.Str(value));
            case "format":
            {
                if (args.Positional.Count > 0 && args.Named.Count > 0)
                    throw new TemplateRuntimeError("FilterArgumentError: can't handle positional and keyword arguments at the same time");
                object? fmtArgs;
                if (args.Named.Count > 0)
                {
                    var dict = new JinjaDict();
                    foreach (var (key, v) in args.Named) dict.Set(key, v);
                    fmtArgs = dict;
                }
                else fmtArgs = new JinjaList(args.Positional, isTuple: true);
                return PyFormat.Percent(PyRepr.Str(value), fmtArgs);
            }
            case "attr":
            {
                var p = args.Bind(name, ["name"], [CallArgs.Required]);
                string attrName = PyRepr.Str(p[0]);
                if (value is Undefined u) throw u.Fail();
                return TryGetAttribute(value, attrName, out object? attr) ? attr : Undefined.ForAttribute(value, attrName);
            }
            default:
                return ApplySequenceFilter(name, value, args);
        }
    }

    private static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (string item in TitleSplit.Split(s))
        {
            if (item.Length == 0) continue;
            PyText.CodePointAt(item, 0, out int n);
            sb.Append(PyText.Upper(item.Substring(0, n))).Append(PyText.Lower(item.Substring(n)));
        }
        return sb.ToString();
    }

    /// <summary>transformers: json.dumps(x, ensure_ascii=False, indent=indent, separators=separators, sort_keys=sort_keys).</summary>
    private static string ToJson(object? value, CallArgs args)
    {
        var p = args.Bind("tojson", ["ensure_ascii", "indent", "separators", "sort_keys"], [false, null, null, false]);
        string? indent = p[1] switch
        {
            null => null,
            string s => s,
            long or bool => new string(' ', (int)Math.Clamp(PyOps.ToLong(p[1]), 0, 64)),
            _ => throw new TemplateRuntimeError($"TypeError: tojson indent must be an int or a string, not {PyOps.TypeName(p[1])}"),
        };
        string itemSep = indent is null ? ", " : ",", keySep = ": ";
        if (p[2] is not null)
        {
            var seps = PyOps.Iterate(p[2]);
            if (seps.Count != 2 || seps[0] is not string a || seps[1] is not string b)
                throw new TemplateRuntimeError("ValueError: tojson separators must be a pair of strings");
            (itemSep, keySep) = (a, b);
        }
        string json = JsonDump.Dumps(value, indent, itemSep, keySep, PyOps.Truthy(p[3]));
        return PyOps.Truthy(p[0]) ? EscapeNonAscii(json) : json;
    }

    private static string EscapeNonAscii(string json)
    {
        var sb = new StringBuilder(json.Length);
        foreach (char c in json)
        {
            if (c < 0x80) sb.Append(c);
            else sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    private static string Escape(string s) =>
        s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
         .Replace(">", "&gt;", StringComparison.Ordinal).Replace("\"", "&#34;", StringComparison.Ordinal)
         .Replace("'", "&#39;", StringComparison.Ordinal);

    /// <summary>Jinja2 do_int: int(value) / int(str, base), falling back to int(float(value)); null means "use the default".</summary>
    private static object? ToInt(object? value, long numberBase)
    {
        switch (value)
        {
            case long or bool: return PyOps.ToLong(value);
            case double d: return double.IsFinite(d) && Math.Abs(d) < 9.2e18 ? (long)Math.Truncate(d) : null;
            case string s:
            {
                string t = PyText.Strip(s, null, true, true).Replace("_", "", StringComparison.Ordinal);
                bool negative = t.StartsWith('-');
                if (t.Length > 0 && t[0] is '+' or '-') t = t.Substring(1);
                int radix = (int)numberBase;
                if ((radix == 16 || radix == 0) && t.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) { t = t.Substring(2); radix = 16; }
                else if ((radix == 8 || radix == 0) && t.StartsWith("0o", StringComparison.OrdinalIgnoreCase)) { t = t.Substring(2); radix = 8; }
                else if ((radix == 2 || radix == 0) && t.StartsWith("0b", StringComparison.OrdinalIgnoreCase)) { t = t.Substring(2); radix = 2; }
                else if (radix == 0) radix = 10;
                if (radix is >= 2 and <= 36 && t.Length > 0)
                {
                    long result = 0;
                    bool ok = true;
                    foreach (char c in t)
                    {
                        int digit = char.IsAsciiDigit(c) ? c - '0' : char.IsAsciiLetter(c) ? char.ToLowerInvariant(c) - 'a' + 10 : 99;
                        if (digit >= radix || result > (long.MaxValue - digit) / radix) { ok = false; break; }
                        result = result * radix + digit;
                    }
                    if (ok) return negative ? -result : result;
                }
                return ToFloat(s) is double f ? ToInt(f, 10) : null;
            }
            default: return null;
        }
    }

    /// <summary>Python float(value); null when Python would raise TypeError or ValueError.</summary>
    private static double? ToFloat(object? value)
    {
        switch (value)
        {
            case double d: return d;
            case long or bool: return PyOps.ToDouble(value);
            case string s:
            {
                string t = PyText.Strip(s, null, true, true).ToLowerInvariant();
                string u = t.TrimStart('+', '-');
                double sign = t.StartsWith('-') ? -1 : 1;
                if (u is "inf" or "infinity") return sign * double.PositiveInfinity;
                if (u == "nan") return double.NaN;
                if (t.Contains("__", StringComparison.Ordinal) || t.StartsWith('_') || t.EndsWith('_')) return null;
                if (u.Length == 0 || !(char.IsAsciiDigit(u[0]) || u[0] == '.')) return null;
                return double.TryParse(t.Replace("_", "", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out double r) ? r : null;
            }
            default: return null;
        }
    }

    private static object? Round(object? value, CallArgs args)
    {
        var p = args.Bind("round", ["precision", "method"], [0L, "common"]);
        long precision = Int(p[0], "round");
        string method = p[1] as string ?? "";
        if (method is not ("common" or "ceil" or "floor"))
            throw new TemplateRuntimeError("FilterArgumentError: method must be common, ceil or floor");
        if (!PyOps.IsNumber(value))
            throw new TemplateRuntimeError($"TypeError: type {PyOps.TypeName(value)} doesn't define __round__ method");
        if (method == "common")
        {
            if (PyOps.IsInteger(value))
                return precision >= 0 ? PyOps.ToLong(value) : (long)PyFloat.Round(PyOps.ToLong(value), precision);
            return PyFloat.Round(PyOps.ToDouble(value), precision);
        }
        double scale = Math.Pow(10, precision);
        double x = PyOps.ToDouble(value) * scale;
        return (method == "ceil" ? Math.Ceiling(x) : Math.Floor(x)) / scale;
    }

    private static string Indent(string s, CallArgs args)
    {
        var p = args.Bind("indent", ["width", "first", "blank"], [4L, false, false]);
        string indention = p[0] as string ?? new string(' ', (int)Math.Clamp(Int(p[0], "indent"), 0, 1024));
        var lines = PyText.SplitLines(s + "\n");
        string rv;
        if (PyOps.Truthy(p[2])) rv = string.Join("\n" + indention, lines);
        else
        {
            rv = lines[0];
            if (lines.Count > 1)
                rv += "\n" + string.Join("\n", lines.Skip(1).Select(line => line.Length > 0 ? indention + line : line));
        }
        return PyOps.Truthy(p[1]) ? indention + rv : rv;
    }

    /// <summary>Jinja2 do_truncate; like Jinja2 it returns a non-string unchanged when its len() fits.</summary>
    private static object? Truncate(object? value, CallArgs args)
    {
        var p = args.Bind("truncate", ["length", "killwords", "end", "leeway"], [255L, false, "...", null]);
        long length = Int(p[0], "truncate");
        string end = PyRepr.Str(p[2]);
        long leeway = p[3] is null ? 5 : Int(p[3], "truncate");
        if (length < PyText.Length(end)) throw new TemplateRuntimeError($"AssertionError: expected length >= {PyText.Length(end)}, got {length}");
        if (leeway < 0) throw new TemplateRuntimeError($"AssertionError: expected leeway >= 0, got {leeway}");
        if (PyOps.Length(value) <= length + leeway) return value;
        if (value is not string s) throw new TemplateRuntimeError($"TypeError: the truncate filter needs a string, not {PyOps.TypeName(value)}");
        var chars = PyText.Chars(s);
        string head = string.Concat(chars.Take((int)(length - PyText.Length(end))));
        if (PyOps.Truthy(p[1])) return head + end;
        int space = head.LastIndexOf(' ');
        return (space >= 0 ? head.Substring(0, space) : head) + end;
    }

    private static string StripTags(string value)
    {
        int start;
        while ((start = value.IndexOf("<!--", StringComparison.Ordinal)) >= 0)
        {
            int end = value.IndexOf("-->", start, StringComparison.Ordinal);
            if (end < 0) break;
            value = value.Substring(0, start) + value.Substring(end + 3);
        }
        while ((start = value.IndexOf('<')) >= 0)
        {
            int end = value.IndexOf('>', start);
            if (end < 0) break;
            value = value.Substring(0, start) + value.Substring(end + 1);
        }
        return System.Net.WebUtility.HtmlDecode(string.Join(" ", PyText.Split(value, null, -1)));
    }
}
