// Python str semantics the templates rely on: isspace, strip/split, code-point indexing and slicing.
// Python indexes strings by code point, .NET by UTF-16 unit; these helpers count code points so
// that `s[1:]`, `s|length` and loops over strings agree with Jinja2 on astral characters too.
using System.Globalization;
using System.Text;

namespace Meridian.Tokenizers.Templates;

internal static class PyText
{
    /// <summary>Python's str.isspace for one UTF-16 unit (every Python whitespace char is in the BMP).</summary>
    public static bool IsSpace(char c) => c switch
    {
        ' ' or '\t' or '\n' or '\v' or '\f' or '\r' => true,
        '\x1c' or '\x1d' or '\x1e' or '\x1f' or '\x85' or '\xa0' => true,
        '\u1680' or '\u2028' or '\u2029' or '\u202f' or '\u205f' or '\u3000' => true,
        _ => c >= '\u2000' && c <= '\u200a',
    };

    /// <summary>Python's str.splitlines boundaries.</summary>
    public static bool IsLineBoundary(char c) => c is '\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x85' or '\u2028' or '\u2029';

    public static string Strip(string s, string? chars, bool left, bool right)
    {
        int start = 0, end = s.Length;
        if (chars is null)
        {
            if (left) while (start < end && IsSpace(s[start])) start++;
            if (right) while (end > start && IsSpace(s[end - 1])) end--;
        }
        else
        {
            // Characters of `chars` as code points (a surrogate pair counts as one).
            var set = new HashSet<int>(CodePoints(chars));
            if (left)
                while (start < end && set.Contains(CodePointAt(s, start, out int n))) start += n;
            if (right)
                while (end > start && set.Contains(CodePointBefore(s, end, out int n))) end -= n;
        }
        return s.Substring(start, end - start);
    }

    /// <summary>Python str.split(sep=None, maxsplit=-1).</summary>
    public static List<string> Split(string s, string? sep, long maxSplit)
    {
        var parts = new List<string>();
        if (sep is null)
        {
            int i = 0;
            while (true)
            {
                while (i < s.Length && IsSpace(s[i])) i++;
                if (i >= s.Length) break;
                if (maxSplit >= 0 && parts.Count >= maxSplit)
                {
                    parts.Add(s.Substring(i)); // the remainder keeps its trailing whitespace, as in Python
                    break;
                }
                int j = i;
                while (j < s.Length && !IsSpace(s[j])) j++;
                parts.Add(s.Substring(i, j - i));
                i = j;
            }
            return parts;
        }
        if (sep.Length == 0)
            throw new TemplateRuntimeError("ValueError: empty separator");
        int start = 0;
        while (maxSplit < 0 || parts.Count < maxSplit)
        {
            int k = s.IndexOf(sep, start, StringComparison.Ordinal);
            if (k < 0) break;
            parts.Add(s.Substring(start, k - start));
            start = k + sep.Length;
        }
        parts.Add(s.Substring(start));
        return parts;
    }

    /// <summary>Python str.rsplit(sep=None, maxsplit=-1).</summary>
    public static List<string> RSplit(string s, string? sep, long maxSplit)
    {
        if (maxSplit < 0)
            return Split(s, sep, -1);
        var parts = new List<string>();
        if (sep is null)
        {
            int i = s.Length;
            while (true)
            {
                while (i > 0 && IsSpace(s[i - 1])) i--;
                if (i <= 0) break;
                if (parts.Count >= maxSplit)
                {
                    parts.Add(s.Substring(0, i)); // the remainder keeps its leading whitespace
                    break;
                }
                int j = i;
                while (j > 0 && !IsSpace(s[j - 1])) j--;
                parts.Add(s.Substring(j, i - j));
                i = j;
            }
            parts.Reverse();
            return parts;
        }
        if (sep.Length == 0)
            throw new TemplateRuntimeError("ValueError: empty separator");
        int end = s.Length;
        while (parts.Count < maxSplit)
        {
            int k = end - sep.Length < 0 ? -1 : s.LastIndexOf(sep, end - 1, end, StringComparison.Ordinal);
            if (k < 0) break;
            parts.Add(s.Substring(k + sep.Length, end - k - sep.Length));
            end = k;
        }
        parts.Add(s.Substring(0, end));
        parts.Reverse();
        return parts;
    }

    /// <summary>Python str.splitlines(keepends=False).</summary>
    public static List<string> SplitLines(string s)
    {
        var lines = new List<string>();
        int start = 0, i = 0;
        while (i < s.Length)
        {
            char c = s[i];
            if (!IsLineBoundary(c)) { i++; continue; }
            lines.Add(s.Substring(start, i - start));
            i += c == '\r' && i + 1 < s.Length && s[i + 1] == '\n' ? 2 : 1;
            start = i;
        }
        if (start < s.Length)
            lines.Add(s.Substring(start));
        return lines;
    }

    /// <summary>Python str.replace(old, new, count=-1), including the empty-`old` case.</summary>
    public static string Replace(string s, string oldValue, string newValue, long count)
    {
        if (count < 0 && oldValue.Length > 0)
            return s.Replace(oldValue, newValue, StringComparison.Ordinal);
        var sb = new StringBuilder();
        if (oldValue.Length == 0)
        {
            // Python inserts `new` before every code point and at the end, up to count times.
            long done = 0;
            int i = 0;
            while (i <= s.Length)
            {
                if (count < 0 || done < count) { sb.Append(newValue); done++; }
                if (i == s.Length) break;
                CodePointAt(s, i, out int n);
                sb.Append(s, i, n);
                i += n;
            }
            return sb.ToString();
        }
        int start = 0;
        long replaced = 0;
        while (replaced < count)
        {
            int k = s.IndexOf(oldValue, start, StringComparison.Ordinal);
            if (k < 0) break;
            sb.Append(s, start, k - start).Append(newValue);
            start = k + oldValue.Length;
            replaced++;
        }
        sb.Append(s, start, s.Length - start);
        return sb.ToString();
    }

    public static bool HasSurrogates(string s)
    {
        foreach (char c in s)
            if (char.IsSurrogate(c)) return true;
        return false;
    }

    /// <summary>Code point count (Python len). Lone surrogates count as one each, as in Python.</summary>
    public static int Length(string s)
    {
        if (!HasSurrogates(s)) return s.Length;
        int n = 0;
        for (int i = 0; i < s.Length; n++)
            i += char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]) ? 2 : 1;
        return n;
    }

    /// <summary>The string's code points, each as its own string (what iterating a Python str yields).</summary>
    public static List<string> Chars(string s)
    {
        var list = new List<string>(s.Length);
        for (int i = 0; i < s.Length;)
        {
            CodePointAt(s, i, out int n);
            list.Add(s.Substring(i, n));
            i += n;
        }
        return list;
    }

    public static IEnumerable<int> CodePoints(string s)
    {
        for (int i = 0; i < s.Length;)
        {
            int cp = CodePointAt(s, i, out int n);
            i += n;
            yield return cp;
        }
    }

    public static int CodePointAt(string s, int i, out int units)
    {
        if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
        {
            units = 2;
            return char.ConvertToUtf32(s[i], s[i + 1]);
        }
        units = 1;
        return s[i];
    }

    private static int CodePointBefore(string s, int end, out int units)
    {
        if (char.IsLowSurrogate(s[end - 1]) && end >= 2 && char.IsHighSurrogate(s[end - 2]))
        {
            units = 2;
            return char.ConvertToUtf32(s[end - 2], s[end - 1]);
        }
        units = 1;
        return s[end - 1];
    }

    /// <summary>Compares by code point, as Python orders strings (ordinal UTF-16 differs above U+D800).</summary>
    public static int Compare(string a, string b)
    {
        int i = 0, j = 0;
        while (i < a.Length && j < b.Length)
        {
            int ca = CodePointAt(a, i, out int na), cb = CodePointAt(b, j, out int nb);
            if (ca != cb) return ca < cb ? -1 : 1;
            i += na;
            j += nb;
        }
        return (a.Length - i).CompareTo(b.Length - j) switch { < 0 => -1, > 0 => 1, _ => 0 };
    }

    /// <summary>Python str.upper()/lower() for the invariant culture (special casings such as 'ß' -> 'SS' are not applied).</summary>
    public static string Upper(string s) => s.ToUpperInvariant();

    public static string Lower(string s) => s.ToLowerInvariant();

    /// <summary>Python str.capitalize(): first code point upper-cased, the rest lower-cased.</summary>
    public static string Capitalize(string s)
    {
        if (s.Length == 0) return s;
        CodePointAt(s, 0, out int n);
        return s.Substring(0, n).ToUpperInvariant() + s.Substring(n).ToLowerInvariant();
    }

    /// <summary>Python str.title(): a cased char after an uncased one starts a word.</summary>
    public static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        bool prevCased = false;
        foreach (char c in s)
        {
            bool cased = char.IsUpper(c) || char.IsLower(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.TitlecaseLetter;
            sb.Append(cased ? (prevCased ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c)) : c);
            prevCased = cased;
        }
        return sb.ToString();
    }

    /// <summary>Python str.center(width, fill): extra padding goes left when the total and the width are both odd.</summary>
    public static string Center(string s, long width, string fill = " ")
    {
        int len = Length(s);
        if (width <= len) return s;
        long pad = width - len;
        long left = pad / 2 + (pad & width & 1);
        return Repeat(fill, left) + s + Repeat(fill, pad - left);
    }

    public static string Repeat(string s, long count)
    {
        if (count <= 0 || s.Length == 0) return "";
        var sb = new StringBuilder((int)Math.Min((long)s.Length * count, int.MaxValue));
        for (long i = 0; i < count; i++) sb.Append(s);
        return sb.ToString();
    }
}
