// Inside `{{ }}` and `{% %}`: names, numbers (Python literal syntax incl. 0x/0o/0b and `_`), string
// literals with Python escapes, operators; brackets must balance before the closing delimiter counts.
using System.Globalization;
using System.Text;

namespace Meridian.Tokenizers.Templates;

internal sealed partial class TemplateLexer
{
    private static readonly string[] Operators =
    [
        "//", "**", "==", "!=", ">=", "<=",
        "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";",
    ];

    private void LexTag(char kind, int openPos)
    {
        _tokens.Add(new Token(kind == '%' ? TokenKind.BlockBegin : TokenKind.VariableBegin, "", null, openPos, LineAt(openPos)));
        var balance = new Stack<char>();
        while (true)
        {
            if (_pos >= _src.Length)
                throw Error($"unexpected end of template: the '{(kind == '%' ? "{%" : "{{")}' tag opened here is never closed", openPos);
            if (balance.Count == 0)
            {
                int end = MatchBlockEnd(_pos, kind);
                if (end >= 0)
                {
                    _tokens.Add(new Token(kind == '%' ? TokenKind.BlockEnd : TokenKind.VariableEnd, "", null, _pos, LineAt(_pos)));
                    _lineStarting = _src[end - 1] == '\n';
                    _pos = end;
                    return;
                }
            }
            char c = _src[_pos];
            if (PyText.IsSpace(c)) { _pos = SkipSpace(_pos); continue; }
            if (char.IsAsciiDigit(c)) { LexNumber(); continue; }
            if (c == '_' || char.IsLetter(c)) { LexName(); continue; }
            if (c is '\'' or '"') { LexString(); continue; }
            string? op = Array.Find(Operators, o => string.CompareOrdinal(_src, _pos, o, 0, o.Length) == 0);
            if (op is null)
                throw Error($"unexpected char {PyRepr.Repr(c.ToString())} at {_pos}", _pos);
            if (op is "(" or "[" or "{") balance.Push(op switch { "(" => ')', "[" => ']', _ => '}' });
            else if (op is ")" or "]" or "}")
            {
                if (balance.Count == 0) throw Error($"unexpected '{op}'", _pos);
                char expected = balance.Pop();
                if (expected != op[0]) throw Error($"unexpected '{op}', expected '{expected}'", _pos);
            }
            _tokens.Add(new Token(TokenKind.Operator, op, null, _pos, LineAt(_pos)));
            _pos += op.Length;
        }
    }

    private void LexName()
    {
        int start = _pos;
        while (_pos < _src.Length && (_src[_pos] == '_' || char.IsLetterOrDigit(_src[_pos]))) _pos++;
        _tokens.Add(new Token(TokenKind.Name, _src.Substring(start, _pos - start), null, start, LineAt(start)));
    }

    private void LexNumber()
    {
        int start = _pos;
        // A float may not follow a '.', so `x.0.1` reads as x . 0 . 1 (Jinja2's float_re lookbehind).
        bool floatAllowed = start == 0 || _src[start - 1] != '.';
        int p = ScanDigits(start);
        bool isFloat = false;
        if (floatAllowed)
        {
            int q = p;
            if (q + 1 < _src.Length && _src[q] == '.' && char.IsAsciiDigit(_src[q + 1])) { q = ScanDigits(q + 1); isFloat = true; }
            int e = ScanExponent(q);
            if (e > q) { q = e; isFloat = true; }
            if (isFloat) p = q;
        }
        if (isFloat)
        {
            string text = _src.Substring(start, p - start).Replace("_", "", StringComparison.Ordinal);
            _tokens.Add(new Token(TokenKind.Float, text, double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture), start, LineAt(start)));
            _pos = p;
            return;
        }
        _pos = start;
        long value;
        if (_src[start] == '0' && start + 1 < _src.Length && "xXoObB".Contains(_src[start + 1]))
        {
            int radix = char.ToLowerInvariant(_src[start + 1]) switch { 'x' => 16, 'o' => 8, _ => 2 };
            p = start + 2;
            value = 0;
            int digits = 0;
            while (p < _src.Length)
            {
                char c = _src[p];
                if (c == '_' && p + 1 < _src.Length && DigitValue(_src[p + 1]) < radix) { p++; continue; }
                int d = DigitValue(c);
                if (d >= radix) break;
                value = Checked(() => checked(value * radix + d), start);
                digits++;
                p++;
            }
            if (digits == 0) throw Error("invalid number literal", start);
        }
        else
        {
            // Decimal: [1-9](_?\d)* or 0(_?0)*
            p = start + 1;
            bool zero = _src[start] == '0';
            while (p < _src.Length && (char.IsAsciiDigit(_src[p]) && (!zero || _src[p] == '0')
                   || _src[p] == '_' && p + 1 < _src.Length && char.IsAsciiDigit(_src[p + 1]) && (!zero || _src[p + 1] == '0')))
                p++;
            string text = _src.Substring(start, p - start).Replace("_", "", StringComparison.Ordinal);
            if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value))
                throw Error("integer literal does not fit in 64 bits (a limit of this engine)", start);
        }
        _tokens.Add(new Token(TokenKind.Integer, _src.Substring(start, p - start), value, start, LineAt(start)));
        _pos = p;
    }

    private long Checked(Func<long> f, int pos)
    {
        try { return f(); }
        catch (OverflowException) { throw Error("integer literal does not fit in 64 bits (a limit of this engine)", pos); }
    }

    private static int DigitValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => 99,
    };

    /// <summary>digits with single underscores between them: (\d+_)*\d+</summary>
    private int ScanDigits(int p)
    {
        while (p < _src.Length && (char.IsAsciiDigit(_src[p]) || _src[p] == '_' && p + 1 < _src.Length && char.IsAsciiDigit(_src[p + 1]) && p > 0 && char.IsAsciiDigit(_src[p - 1])))
            p++;
        return p;
    }

    private int ScanExponent(int p)
    {
        if (p >= _src.Length || _src[p] is not ('e' or 'E')) return p;
        int q = p + 1;
        if (q < _src.Length && _src[q] is '+' or '-') q++;
        if (q >= _src.Length || !char.IsAsciiDigit(_src[q])) return p;
        return ScanDigits(q);
    }

    private void LexString()
    {
        int start = _pos;
        char quote = _src[start];
        int p = start + 1;
        while (p < _src.Length && _src[p] != quote)
            p += _src[p] == '\\' ? 2 : 1;
        if (p >= _src.Length)
            throw Error($"unexpected char {PyRepr.Repr(quote.ToString())} at {start} (unterminated string literal)", start);
        string value = Unescape(_src.Substring(start + 1, p - start - 1), start);
        _tokens.Add(new Token(TokenKind.String, value, null, start, LineAt(start)));
        _pos = p + 1;
    }

    /// <summary>Python's unicode-escape decoding of a string literal body.</summary>
    private string Unescape(string body, int pos)
    {
        if (!body.Contains('\\')) return body;
        var sb = new StringBuilder(body.Length);
        for (int i = 0; i < body.Length; i++)
        {
            char c = body[i];
            if (c != '\\' || i + 1 >= body.Length) { sb.Append(c); continue; }
            char e = body[++i];
            switch (e)
            {
                case '\n': break;
                case '\\': sb.Append('\\'); break;
                case '\'': sb.Append('\''); break;
                case '"': sb.Append('"'); break;
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'v': sb.Append('\v'); break;
                case >= '0' and <= '7':
                {
                    int value = 0, n = 0;
                    while (n < 3 && i < body.Length && body[i] is >= '0' and <= '7') { value = value * 8 + (body[i] - '0'); i++; n++; }
                    i--;
                    sb.Append((char)value);
                    break;
                }
                case 'x' or 'u' or 'U':
                {
                    int n = e switch { 'x' => 2, 'u' => 4, _ => 8 };
                    if (!IsHex(body, i + 1, n))
                        throw Error($"truncated \\{e}{new string('X', n)} escape", pos);
                    int cp = int.Parse(body.AsSpan(i + 1, n), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                    if (cp > 0x10FFFF) throw Error("illegal Unicode character", pos);
                    sb.Append(cp is >= 0xD800 and <= 0xDFFF ? ((char)cp).ToString() : char.ConvertFromUtf32(cp));
                    i += n;
                    break;
                }
                case 'N':
                    throw Error("\\N{...} escapes are not supported by this engine", pos);
                default:
                    sb.Append('\\').Append(e);
                    break;
            }
        }
        return sb.ToString();
    }

    private static bool IsHex(string s, int start, int n)
    {
        if (start + n > s.Length) return false;
        for (int i = start; i < start + n; i++)
            if (DigitValue(s[i]) >= 16) return false;
        return true;
    }
}
