// Splits a template into tokens with Jinja2 3.1's rules (jinja2/lexer.py, BSD): one trailing newline dropped;
// `{%-`/`-%}` strip adjacent whitespace; trim_blocks drops the newline after a block/comment tag; lstrip_blocks
// drops the indent before one that starts a line; `+` turns either off; {% raw %} is data; \r\n becomes \n.
using System.Text;

namespace Meridian.Tokenizers.Templates;

internal sealed partial class TemplateLexer
{
    private readonly string _src;
    private readonly string? _name;
    private readonly bool _trimBlocks;
    private readonly bool _lstripBlocks;
    private readonly List<Token> _tokens = [];
    private readonly List<int> _lineStarts = [0];
    private int _pos;
    private bool _lineStarting = true;

    private TemplateLexer(string source, string? name, bool trimBlocks, bool lstripBlocks)
    {
        _src = source;
        _name = name;
        _trimBlocks = trimBlocks;
        _lstripBlocks = lstripBlocks;
        for (int i = 0; i < _src.Length; i++)
            if (_src[i] == '\n') _lineStarts.Add(i + 1);
    }

    /// <summary>Tokens of <paramref name="normalized"/>, a source already passed through <see cref="Normalize"/>.</summary>
    public static List<Token> Tokenize(string normalized, string? name, bool trimBlocks, bool lstripBlocks)
    {
        var lexer = new TemplateLexer(normalized, name, trimBlocks, lstripBlocks);
        lexer.Run();
        return lexer._tokens;
    }

    /// <summary>\r\n and \r become \n; then one final \n goes unless keep_trailing_newline (Jinja2's tokeniter).</summary>
    internal static string Normalize(string source, bool keepTrailingNewline)
    {
        var sb = new StringBuilder(source.Length);
        for (int i = 0; i < source.Length; i++)
        {
            char c = source[i];
            if (c == '\r')
            {
                if (i + 1 < source.Length && source[i + 1] == '\n') i++;
                sb.Append('\n');
            }
            else sb.Append(c);
        }
        if (!keepTrailingNewline && sb.Length > 0 && sb[^1] == '\n')
            sb.Length--;
        return sb.ToString();
    }

    private void Run()
    {
        while (_pos < _src.Length)
        {
            int i = FindTagStart(_pos);
            if (i < 0)
            {
                AddData(_src.Substring(_pos), _pos);
                _pos = _src.Length;
                break;
            }
            char kind = _src[i + 1];
            int rawEnd = -1;
            char sign = kind == '%' && MatchRawBegin(i, out rawEnd, out char rawSign) ? rawSign : SignAt(i + 2);
            AddData(StripBefore(_src.Substring(_pos, i - _pos), sign, isVariable: kind == '{'), _pos);
            int afterOpen = rawEnd >= 0 ? rawEnd : i + 2 + (sign == '\0' ? 0 : 1);
            _lineStarting = _src[afterOpen - 1] == '\n';
            _pos = afterOpen;
            if (rawEnd >= 0) LexRaw(i);
            else if (kind == '#') LexComment(i);
            else LexTag(kind, i);
        }
        _tokens.Add(new Token(TokenKind.Eof, "", null, _src.Length, LineAt(_src.Length)));
    }

    private int FindTagStart(int from)
    {
        for (int i = _src.IndexOf('{', from); i >= 0 && i + 1 < _src.Length; i = _src.IndexOf('{', i + 1))
            if (_src[i + 1] is '{' or '%' or '#') return i;
        return -1;
    }

    private char SignAt(int i) => i < _src.Length && _src[i] is '-' or '+' ? _src[i] : '\0';

    /// <summary>The text before a tag: `-` strips all trailing whitespace; otherwise lstrip_blocks may drop an indent.</summary>
    private string StripBefore(string text, char sign, bool isVariable)
    {
        if (sign == '-')
            return PyText.Strip(text, null, left: false, right: true);
        if (sign == '+' || !_lstripBlocks || isVariable)
            return text;
        int lineStart = text.LastIndexOf('\n') + 1;
        if ((lineStart > 0 || _lineStarting) && lineStart < text.Length && AllSpace(text, lineStart))
            return text.Substring(0, lineStart);
        return text;
    }

    private static bool AllSpace(string s, int from)
    {
        for (int i = from; i < s.Length; i++)
            if (!PyText.IsSpace(s[i])) return false;
        return true;
    }

    private void AddData(string text, int pos)
    {
        if (text.Length > 0)
            _tokens.Add(new Token(TokenKind.Data, text, null, pos, LineAt(pos)));
    }

    /// <summary>`{%[-+]? raw [-]?%}` at <paramref name="i"/>; raw-begin has no trim_blocks newline (as in Jinja2).</summary>
    private bool MatchRawBegin(int i, out int end, out char sign)
    {
        end = -1;
        sign = SignAt(i + 2);
        int p = SkipSpace(i + 2 + (sign == '\0' ? 0 : 1));
        if (string.CompareOrdinal(_src, p, "raw", 0, 3) != 0) return false;
        p = SkipSpace(p + 3);
        if (string.CompareOrdinal(_src, p, "-%}", 0, 3) == 0) { end = SkipSpace(p + 3); return true; }
        if (string.CompareOrdinal(_src, p, "%}", 0, 2) == 0) { end = p + 2; return true; }
        return false;
    }

    private void LexRaw(int openPos)
    {
        for (int i = _src.IndexOf("{%", _pos, StringComparison.Ordinal); i >= 0; i = _src.IndexOf("{%", i + 1, StringComparison.Ordinal))
        {
            char sign = SignAt(i + 2);
            int p = SkipSpace(i + 2 + (sign == '\0' ? 0 : 1));
            if (string.CompareOrdinal(_src, p, "endraw", 0, 6) != 0) continue;
            p = SkipSpace(p + 6);
            int end = MatchBlockEnd(p, '%');
            if (end < 0) continue;
            AddData(StripBefore(_src.Substring(_pos, i - _pos), sign, isVariable: false), _pos);
            _lineStarting = _src[end - 1] == '\n';
            _pos = end;
            return;
        }
        throw Error("Missing end of raw directive", openPos);
    }

    private void LexComment(int openPos)
    {
        int j = _src.IndexOf("#}", _pos, StringComparison.Ordinal);
        if (j < 0) throw Error("Missing end of comment tag", openPos);
        int end = j + 2;
        char sign = j - 1 >= _pos ? SignAt(j - 1) : '\0';
        if (sign == '-') end = SkipSpace(end);
        else if (sign != '+' && _trimBlocks && end < _src.Length && _src[end] == '\n') end++;
        _lineStarting = _src[end - 1] == '\n';
        _pos = end;
    }

    /// <summary>End of a block tag at <paramref name="p"/>: `+%}`, `-%}` plus whitespace, `%}` plus one \n under trim_blocks; -1 if none.</summary>
    private int MatchBlockEnd(int p, char kind)
    {
        string close = kind == '%' ? "%}" : "}}";
        if (kind == '%' && string.CompareOrdinal(_src, p, "+%}", 0, 3) == 0) return p + 3;
        if (p < _src.Length && _src[p] == '-' && string.CompareOrdinal(_src, p + 1, close, 0, 2) == 0) return SkipSpace(p + 3);
        if (string.CompareOrdinal(_src, p, close, 0, 2) != 0) return -1;
        int end = p + 2;
        if (kind == '%' && _trimBlocks && end < _src.Length && _src[end] == '\n') end++;
        return end;
    }

    private int SkipSpace(int p)
    {
        while (p < _src.Length && PyText.IsSpace(_src[p])) p++;
        return p;
    }

    private int LineAt(int pos)
    {
        int k = _lineStarts.BinarySearch(pos);
        return k >= 0 ? k + 1 : ~k;
    }

    private TemplateException Error(string reason, int pos)
    {
        int line = LineAt(pos);
        return new TemplateException(reason, _name, line, pos - _lineStarts[line - 1] + 1);
    }
}
