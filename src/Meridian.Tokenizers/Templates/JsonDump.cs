// The `tojson` filter as transformers overrides it: Python json.dumps(x, ensure_ascii=False,
// indent=indent, separators=separators, sort_keys=sort_keys) - non-ASCII kept, keys in insertion
// order, ", " / ": " separators ("," when indented). Jinja's own tojson (HTML-escaping) is not used.
using System.Globalization;
using System.Text;

namespace Meridian.Tokenizers.Templates;

internal static class JsonDump
{
    public static string Dumps(object? value, string? indent, string itemSeparator, string keySeparator, bool sortKeys)
    {
        var sb = new StringBuilder();
        Write(sb, value, indent, itemSeparator, keySeparator, sortKeys, level: 0);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, object? value, string? indent, string itemSep, string keySep, bool sortKeys, int level)
    {
        if (level > 500)
            throw new TemplateRuntimeError("RecursionError: value nested too deeply for tojson");
        PyOps.EnsureStack();
        PyOps.CheckSize(sb.Length);
        switch (value)
        {
            case null: sb.Append("null"); break;
            case bool b: sb.Append(b ? "true" : "false"); break;
            case long l: sb.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case double d: sb.Append(FloatText(d)); break;
            case string s: WriteString(sb, s); break;
            case JinjaList list:
                if (list.Count == 0) { sb.Append("[]"); break; }
                sb.Append('[');
                for (int i = 0; i < list.Count; i++)
                {
                    if (i > 0) sb.Append(itemSep);
                    NewLine(sb, indent, level + 1);
                    Write(sb, list[i], indent, itemSep, keySep, sortKeys, level + 1);
                }
                NewLine(sb, indent, level);
                sb.Append(']');
                break;
            case JinjaDict dict:
                if (dict.Count == 0) { sb.Append("{}"); break; }
                IEnumerable<KeyValuePair<object?, object?>> entries = dict.Entries;
                if (sortKeys)
                {
                    var sorted = dict.Entries.ToList();
                    sorted.Sort((x, y) => PyOps.Compare(x.Key, y.Key, "<"));
                    entries = sorted;
                }
                sb.Append('{');
                bool first = true;
                foreach (var (key, item) in entries)
                {
                    if (!first) sb.Append(itemSep);
                    first = false;
                    NewLine(sb, indent, level + 1);
                    WriteString(sb, KeyText(key));
                    sb.Append(keySep);
                    Write(sb, item, indent, itemSep, keySep, sortKeys, level + 1);
                }
                NewLine(sb, indent, level);
                sb.Append('}');
                break;
            default:
                string type = value is JinjaNamespace ? "Namespace" : PyOps.TypeName(value);
                throw new TemplateRuntimeError($"TypeError: Object of type {type} is not JSON serializable");
        }
    }

    private static void NewLine(StringBuilder sb, string? indent, int level)
    {
        if (indent is null) return;
        sb.Append('\n');
        for (int i = 0; i < level; i++) sb.Append(indent);
    }

    private static string KeyText(object? key) => key switch
    {
        string s => s,
        null => "null",
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => FloatText(d),
        _ => throw new TemplateRuntimeError($"TypeError: keys must be str, int, float, bool or None, not {PyOps.TypeName(key)}"),
    };

    private static string FloatText(double d) =>
        double.IsNaN(d) ? "NaN" : double.IsPositiveInfinity(d) ? "Infinity" : double.IsNegativeInfinity(d) ? "-Infinity" : PyFloat.Repr(d);

    /// <summary>json.dumps string escaping with ensure_ascii=False.</summary>
    public static void WriteString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
