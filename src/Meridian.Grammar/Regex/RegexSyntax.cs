// The regular-expression syntax of JSON Schema's `pattern` (ECMA-262, which JSON Schema names) parsed into byte-level
// expressions: literals, `.`, classes with ranges and negation, \d \w \s and their negations, \xHH \uHHHH \u{H..}
// escapes, groups (capturing, named, non-capturing), alternation and the greedy or lazy quantifiers * + ? {n} {n,}
// {n,m}. What a regular language cannot express, or a grammar cannot enforce, is refused naming it: lookarounds,
// backreferences, word boundaries, anchors inside the pattern, Unicode property escapes, flags.
namespace Meridian.Grammar.Regex;

internal ref struct RegexSyntax
{
    private readonly ExprSet _exprs;
    private readonly string _pattern;
    private int _pos;

    private RegexSyntax(ExprSet exprs, string pattern)
    {
        _exprs = exprs;
        _pattern = pattern;
        _pos = 0;
    }

    /// <summary>
    /// The expression of <paramref name="pattern"/>. Anchored: the whole text must match (a ^ starting and a $ ending
    /// a top-level alternative are accepted and mean the same). Unanchored (JSON Schema's search semantics): a match
    /// anywhere, so each top-level alternative is wrapped in any-text on each side it is not anchored.
    /// </summary>
    public static int Parse(ExprSet exprs, string pattern, bool anchored)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var parser = new RegexSyntax(exprs, pattern);
        // Top-level alternatives, each with its own ^ and $ (ECMA-262 reads "^a|b$" as (^a)|(b$)).
        var alternatives = new List<int>();
        int anyText = exprs.Star(CodePointSet.Any.ToExpr(exprs));
        while (true)
        {
            bool start = parser._pos < pattern.Length && pattern[parser._pos] == '^';
            if (start)
                parser._pos++;
            int e = parser.Sequence();
            bool end = parser._pos < pattern.Length && pattern[parser._pos] == '$';
            if (end)
                parser._pos++;
            if (!anchored)
            {
                if (!start)
                    e = exprs.Concat(anyText, e);
                if (!end)
                    e = exprs.Concat(e, anyText);
            }
            alternatives.Add(e);
            if (parser._pos < pattern.Length && pattern[parser._pos] == '|')
            {
                parser._pos++;
                continue;
            }
            break;
        }
        if (parser._pos < pattern.Length)
            throw parser.Malformed(pattern[parser._pos] == ')' ? "an unmatched ')'" : $"unexpected '{pattern[parser._pos]}'");
        return exprs.Or(alternatives.ToArray());
    }

    private int _depth; // groups open around the current position

    // A $ that ends a top-level alternative (an anchor Parse reads), rather than one inside the pattern.
    private bool AtTopLevelEnd() =>
        _depth == 0 && _pattern[_pos] == '$' && (_pos + 1 == _pattern.Length || _pattern[_pos + 1] == '|');

    private int Alternation()
    {
        var alternatives = new List<int> { Sequence() };
        while (_pos < _pattern.Length && _pattern[_pos] == '|')
        {
            _pos++;
            alternatives.Add(Sequence());
        }
        return _exprs.Or(alternatives.ToArray());
    }

    private int Sequence()
    {
        var items = new List<int>();
        while (_pos < _pattern.Length && _pattern[_pos] is not ('|' or ')') && !AtTopLevelEnd())
            items.Add(Quantified(Atom()));
        return _exprs.Concat(items.ToArray());
    }

    private int Quantified(int atom)
    {
        while (_pos < _pattern.Length)
        {
            char c = _pattern[_pos];
            int min, max;
            if (c == '*') { min = 0; max = -1; _pos++; }
            else if (c == '+') { min = 1; max = -1; _pos++; }
            else if (c == '?') { min = 0; max = 1; _pos++; }
            else if (c == '{' && TryBraces(out min, out max)) { }
            else
                return atom;
            if (_pos < _pattern.Length && _pattern[_pos] == '?')
                _pos++; // lazy: the same language
            atom = _exprs.Repeat(atom, min, max);
        }
        return atom;
    }

    // {n} {n,} {n,m}; anything else starting with '{' is a literal brace, as ECMA-262's Annex B reads it.
    private bool TryBraces(out int min, out int max)
    {
        min = max = 0;
        int p = _pos + 1;
        if (!Number(ref p, out min))
            return false;
        max = min;
        if (p < _pattern.Length && _pattern[p] == ',')
        {
            p++;
            if (p < _pattern.Length && _pattern[p] == '}')
                max = -1;
            else if (!Number(ref p, out max))
                return false;
        }
        if (p >= _pattern.Length || _pattern[p] != '}')
            return false;
        if (Math.Max(min, max) > ExprSet.MaxRepeat)
            throw Error($"a repetition count above the {ExprSet.MaxRepeat} this engine enforces ({_pattern[_pos..(p + 1)]})");
        _pos = p + 1;
        return true;
    }

    private bool Number(ref int p, out int value)
    {
        value = 0;
        int start = p;
        while (p < _pattern.Length && char.IsAsciiDigit(_pattern[p]))
        {
            if (value > ExprSet.MaxRepeat)
                throw Error($"a repetition count above the {ExprSet.MaxRepeat} this engine enforces ({_pattern[start..(p + 1)]}...)");
            value = value * 10 + (_pattern[p] - '0');
            p++;
        }
        return p > start;
    }

    private int Atom()
    {
        char c = _pattern[_pos];
        switch (c)
        {
            case '(':
                return Group();
            case '[':
                return Class().ToExpr(_exprs);
            case '.':
                _pos++;
                return CodePointSet.Of((0x0A, 0x0A), (0x0D, 0x0D), (0x2028, 0x2029)).Complement().ToExpr(_exprs);
            case '\\':
                return Escape(inClass: false).ToExpr(_exprs);
            case '^' or '$':
                throw Error($"the anchor '{c}' inside the pattern (only a ^ that starts, and a $ that ends, a top-level alternative can be enforced)");
            case '*' or '+' or '?':
                throw Malformed($"'{c}' has nothing to repeat");
            default:
                return CodePointSet.Single(NextCodePoint()).ToExpr(_exprs);
        }
    }

    private int Group()
    {
        _pos++; // (
        if (_pos < _pattern.Length && _pattern[_pos] == '?')
        {
            string rest = _pattern[_pos..];
            if (rest.StartsWith("?:", StringComparison.Ordinal))
                _pos += 2;
            else if (rest.StartsWith("?=", StringComparison.Ordinal) || rest.StartsWith("?!", StringComparison.Ordinal)
                || rest.StartsWith("?<=", StringComparison.Ordinal) || rest.StartsWith("?<!", StringComparison.Ordinal))
                throw Error("lookaround assertions (a grammar cannot enforce them)");
            else if (rest.StartsWith("?<", StringComparison.Ordinal))
            {
                int close = _pattern.IndexOf('>', _pos);
                if (close < 0)
                    throw Malformed("an unterminated group name");
                _pos = close + 1;
            }
            else
                throw Error($"the group syntax '(?{(rest.Length > 1 ? rest[1] : ' ')}'");
        }
        _depth++;
        int e = Alternation();
        _depth--;
        if (_pos >= _pattern.Length || _pattern[_pos] != ')')
            throw Malformed("an unclosed '('");
        _pos++;
        return e;
    }

    private CodePointSet Class()
    {
        _pos++; // [
        bool negated = _pos < _pattern.Length && _pattern[_pos] == '^';
        if (negated)
            _pos++;
        var set = CodePointSet.Empty;
        bool first = true;
        while (true)
        {
            if (_pos >= _pattern.Length)
                throw Malformed("an unclosed '['");
            if (_pattern[_pos] == ']' && !first)
                break;
            if (_pattern[_pos] == ']' && first)
            {
                _pos++;
                first = false;
                if (negated) // [^] is any character in ECMA-262; [] matches nothing
                    return CodePointSet.Any;
                return CodePointSet.Empty;
            }
            first = false;
            var lo = ClassAtom();
            if (_pos + 1 < _pattern.Length && _pattern[_pos] == '-' && _pattern[_pos + 1] != ']')
            {
                _pos++;
                var hi = ClassAtom();
                if (lo.Ranges.Count != 1 || lo.Ranges[0].Lo != lo.Ranges[0].Hi || hi.Ranges.Count != 1 || hi.Ranges[0].Lo != hi.Ranges[0].Hi)
                    throw Error("a class range with a class escape (\\d, \\w, \\s) at one end");
                int a = lo.Ranges[0].Lo, b = hi.Ranges[0].Lo;
                if (a > b)
                    throw Malformed($"the class range {char.ConvertFromUtf32(a)}-{char.ConvertFromUtf32(b)} is out of order");
                set = set.Union(CodePointSet.Of((a, b)));
            }
            else
                set = set.Union(lo);
        }
        _pos++; // ]
        return negated ? set.Complement() : set;
    }

    private CodePointSet ClassAtom()
    {
        if (_pattern[_pos] == '\\')
            return Escape(inClass: true);
        return CodePointSet.Single(NextCodePoint());
    }

    private CodePointSet Escape(bool inClass)
    {
        _pos++; // backslash
        if (_pos >= _pattern.Length)
            throw Malformed("a trailing backslash");
        char c = _pattern[_pos++];
        switch (c)
        {
            case 'd': return Digits;
            case 'D': return Digits.Complement();
            case 'w': return Word;
            case 'W': return Word.Complement();
            case 's': return Space;
            case 'S': return Space.Complement();
            case 'n': return CodePointSet.Single('\n');
            case 'r': return CodePointSet.Single('\r');
            case 't': return CodePointSet.Single('\t');
            case 'f': return CodePointSet.Single('\f');
            case 'v': return CodePointSet.Single('\v');
            case '0' when _pos >= _pattern.Length || !char.IsAsciiDigit(_pattern[_pos]): return CodePointSet.Single(0);
            case 'b' when inClass: return CodePointSet.Single('\b');
            case 'b' or 'B': throw Error($"the word boundary \\{c} (a grammar cannot enforce it)");
            case 'x': return CodePointSet.Single(Hex(2));
            case 'u':
                if (_pos < _pattern.Length && _pattern[_pos] == '{')
                {
                    int close = _pattern.IndexOf('}', _pos);
                    if (close < 0)
                        throw Malformed("an unterminated \\u{...}");
                    string hex = _pattern[(_pos + 1)..close];
                    _pos = close + 1;
                    if (!int.TryParse(hex, System.Globalization.NumberStyles.HexNumber, null, out int cp) || cp > CodePointSet.MaxScalar)
                        throw Malformed($"the escape \\u{{{hex}}}");
                    return CodePointSet.Single(cp);
                }
                return CodePointSet.Single(SurrogatePair(Hex(4)));
            case 'p' or 'P': throw Error($"the Unicode property escape \\{c}{{...}}");
            case 'c': throw Error("the control escape \\c");
            case 'k': throw Error("the named backreference \\k");
            default:
                if (char.IsAsciiDigit(c))
                    throw Error($"the backreference \\{c}");
                if (char.IsAsciiLetterOrDigit(c))
                    throw Error($"the unknown escape \\{c}");
                _pos--;
                return CodePointSet.Single(NextCodePoint()); // an escaped punctuation character is itself
        }
    }

    // \uD83D\uDE00: a surrogate pair written as two escapes is one scalar value.
    private int SurrogatePair(int high)
    {
        if (high is >= 0xD800 and <= 0xDBFF && _pos + 6 <= _pattern.Length && _pattern[_pos] == '\\' && _pattern[_pos + 1] == 'u')
        {
            int save = _pos;
            _pos += 2;
            int low = Hex(4);
            if (low is >= 0xDC00 and <= 0xDFFF)
                return char.ConvertToUtf32((char)high, (char)low);
            _pos = save;
        }
        if (high is >= 0xD800 and <= 0xDFFF)
            throw Error($"the lone surrogate \\u{high:X4} (it is not a character and has no UTF-8 encoding)");
        return high;
    }

    private int Hex(int digits)
    {
        if (_pos + digits > _pattern.Length || !int.TryParse(_pattern.AsSpan(_pos, digits), System.Globalization.NumberStyles.HexNumber, null, out int v))
            throw Malformed($"a \\x or \\u escape without {digits} hex digits");
        _pos += digits;
        return v;
    }

    private int NextCodePoint()
    {
        char c = _pattern[_pos++];
        if (char.IsHighSurrogate(c) && _pos < _pattern.Length && char.IsLowSurrogate(_pattern[_pos]))
            return char.ConvertToUtf32(c, _pattern[_pos++]);
        if (char.IsSurrogate(c))
            throw Error("a lone surrogate in the pattern");
        return c;
    }

    private GrammarException Error(string what) => new($"pattern /{_pattern}/ at {_pos}: {what} is not supported");

    private GrammarException Malformed(string what) => new($"pattern /{_pattern}/ at {_pos} is malformed: {what}");

    private static readonly CodePointSet Digits = CodePointSet.Of(('0', '9'));
    private static readonly CodePointSet Word = CodePointSet.Of(('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z'));

    // ECMA-262 WhiteSpace and LineTerminator.
    private static readonly CodePointSet Space = CodePointSet.Of((0x09, 0x0D), (0x20, 0x20), (0xA0, 0xA0), (0x1680, 0x1680),
        (0x2000, 0x200A), (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000), (0xFEFF, 0xFEFF));
}
