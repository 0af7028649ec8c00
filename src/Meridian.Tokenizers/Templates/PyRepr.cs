// Python's str() and repr() of template values: what `{{ value }}` prints, byte for byte as Jinja2
// (None, True, 1.0, 1e+16, ['a', "b'c"], {'k': 1}, (1,), '\xa0' escapes in reprs).
using System.Globalization;
using System.Text;

namespace Meridian.Tokenizers.Templates;

internal static class PyRepr
{
    /// <summary>Python str(value); Undefined prints as "".</summary>
    public static string Str(object? value) => value switch
    {
        string s => s,
        Undefined => "",
        _ => Repr(value),
    };

    /// <summary>Python repr(value).</summary>
    public static string Repr(object? value)
    {
        var sb = new StringBuilder();
        AppendRepr(sb, value, depth: 0);
        return sb.ToString();
    }

    private static void AppendRepr(StringBuilder sb, object? value, int depth)
    {
        if (depth > 200)
            throw new TemplateRuntimeError("RecursionError: value nested too deeply to print");
        PyOps.EnsureStack();
        switch (value)
        {
            case null: sb.Append("None"); break;
            case bool b: sb.Append(b ? "True" : "False"); break;
            case long l: sb.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case double d: sb.Append(PyFloat.Repr(d)); break;
            case string s: AppendStringRepr(sb, s); break;
            case Undefined: sb.Append("Undefined"); break;
            case JinjaList list:
                sb.Append(list.IsTuple ? '(' : '[');
                for (int i = 0; i < list.Count; i++)
                {
                    if (i > 0) sb.Append(", ");
                    AppendRepr(sb, list[i], depth + 1);
                }
                if (list.IsTuple && list.Count == 1) sb.Append(',');
                sb.Append(list.IsTuple ? ')' : ']');
                break;
            case JinjaDict dict:
                AppendDict(sb, dict, depth);
                break;
            case JinjaNamespace ns:
                sb.Append("<Namespace ");
                AppendDict(sb, ns.Attributes, depth);
                sb.Append('>');
                break;
            case LoopContext loop:
                sb.Append("<LoopContext ").Append(loop.Index0 + 1).Append('/').Append(loop.Length).Append('>');
                break;
            case JinjaGenerator g: sb.Append('<').Append(g.TypeName).Append(" object>"); break;
            case Macro m: sb.Append("<Macro '").Append(m.Name).Append("'>"); break;
            case BoundMethod bm: sb.Append("<built-in method ").Append(bm.Name).Append(" of ").Append(PyOps.TypeName(bm.Target)).Append(" object>"); break;
            case JinjaCallable f: sb.Append("<built-in function ").Append(f.Name).Append('>'); break;
            default: sb.Append('<').Append(PyOps.TypeName(value)).Append('>'); break;
        }
    }

    private static void AppendDict(StringBuilder sb, JinjaDict dict, int depth)
    {
        sb.Append('{');
        bool first = true;
        foreach (var (key, item) in dict.Entries)
        {
            if (!first) sb.Append(", ");
            first = false;
            AppendRepr(sb, key, depth + 1);
            sb.Append(": ");
            AppendRepr(sb, item, depth + 1);
        }
        sb.Append('}');
    }

    private static void AppendStringRepr(StringBuilder sb, string s)
    {
        char quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        sb.Append(quote);
        for (int i = 0; i < s.Length;)
        {
            int cp = PyText.CodePointAt(s, i, out int n);
            i += n;
            if (cp == quote || cp == '\\') sb.Append('\\').Append((char)cp);
            else if (cp == '\t') sb.Append("\\t");
            else if (cp == '\n') sb.Append("\\n");
            else if (cp == '\r') sb.Append("\\r");
            else if (cp < ' ' || cp == 0x7f) sb.Append("\\x").Append(cp.ToString("x2", CultureInfo.InvariantCulture));
            else if (cp < 0x7f || IsPrintable(cp)) sb.Append(char.ConvertFromUtf32(cp));
            else if (cp <= 0xff) sb.Append("\\x").Append(cp.ToString("x2", CultureInfo.InvariantCulture));
            else if (cp <= 0xffff) sb.Append("\\u").Append(cp.ToString("x4", CultureInfo.InvariantCulture));
            else sb.Append("\\U").Append(cp.ToString("x8", CultureInfo.InvariantCulture));
        }
        sb.Append(quote);
    }

    /// <summary>Python str.isprintable for one code point (Unicode tables of this .NET, not of CPython).</summary>
    private static bool IsPrintable(int cp)
    {
        if (cp >= 0xD800 && cp <= 0xDFFF) return false;
        return CharUnicodeInfo.GetUnicodeCategory(cp) switch
        {
            UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
                or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned
                or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                or UnicodeCategory.SpaceSeparator => cp == ' ',
            _ => true,
        };
    }
}
