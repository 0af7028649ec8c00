// llama.cpp's GBNF grammar format (grammars/README.md) read into a lexeme grammar: rules `name ::= alternatives`,
// sequences, groups, `|`, the repetitions * + ? {m} {m,} {m,n}, "literals" and [character classes] (ranges, negation)
// with \n \r \t \\ \" \] \xHH \uHHHH \UHHHHHHHH escapes, `.` (any character) and # comments. A rule ends at the end
// of its line unless a group is open. Every terminal becomes lexemes of exactly one character (a literal is a sequence
// of them), so no lexeme can extend into the next and the Earley parser sees the grammar as written, character by
// character. Written here because GBNF is llama.cpp's own format and no .NET library reads it.
using System.Globalization;
using System.Text;
using Meridian.Grammar.Cfg;
using Meridian.Grammar.Regex;

namespace Meridian.Grammar.Gbnf;

internal sealed class GbnfParser
{
    private const int MaxRepeat = 10_000;

    private readonly string _src;
    private readonly CfgBuilder _b = new();
    private readonly HashSet<string> _defined = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int Line, int Col)> _used = new(StringComparer.Ordinal);
    private int _pos;

    private GbnfParser(string source) => _src = source;

    /// <summary>The grammar of <paramref name="source"/>, starting at its rule `root`.</summary>
    public static CfgGrammar Parse(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var p = new GbnfParser(source);
        p.Rules();
        if (!p._defined.Contains("root"))
            throw new GrammarException("the GBNF grammar has no rule 'root'");
        foreach (var (name, at) in p._used)
        {
            if (!p._defined.Contains(name))
                throw new GrammarException($"GBNF at {at.Line}:{at.Col}: the rule '{name}' is used but never defined");
        }
        return p._b.Build(p._b.Nonterminal("root"));
    }

    private void Rules()
    {
        while (true)
        {
            Space(newlines: true);
            if (_pos >= _src.Length)
                return;
            var at = Where();
            string name = Name() ?? throw Error("a rule name");
            Space(newlines: false);
            if (!_src.AsSpan(_pos).StartsWith("::="))
                throw Error("'::=' after the rule name");
            _pos += 3;
            if (!_defined.Add(name))
                throw new GrammarException($"GBNF at {at.Line}:{at.Col}: the rule '{name}' is defined twice");
            int lhs = _b.Nonterminal(name);
            foreach (int[] seq in Alternatives(nested: false))
                _b.Rule(lhs, seq);
            Space(newlines: false);
            if (_pos < _src.Length && _src[_pos] is not ('\n' or '\r'))
                throw Error("the end of the line after a rule");
        }
    }

    private List<int[]> Alternatives(bool nested)
    {
        var alternatives = new List<int[]> { Sequence(nested) };
        while (true)
        {
            Space(nested);
            if (_pos < _src.Length && _src[_pos] == '|')
            {
                _pos++;
                alternatives.Add(Sequence(nested));
                continue;
            }
            return alternatives;
        }
    }

    private int[] Sequence(bool nested)
    {
        var items = new List<int>();
        while (true)
        {
            Space(nested);
            if (_pos >= _src.Length || _src[_pos] is '|' or ')' or '\n' or '\r')
                return [.. items];
            var term = Term();
            items.AddRange(Repeated(term));
        }
    }

    // One term as a symbol sequence (a literal is one lexeme per character).
    private int[] Term()
    {
        char c = _src[_pos];
        if (c == '"')
            return Literal();
        if (c == '[')
            return [CharLexeme(CharClass())];
        if (c == '.')
        {
            _pos++;
            return [CharLexeme(CodePointSet.Any)];
        }
        if (c == '(')
        {
            _pos++;
            var alternatives = Alternatives(nested: true);
            Space(newlines: true);
            if (_pos >= _src.Length || _src[_pos] != ')')
                throw Error("')' to close the group");
            _pos++;
            int group = _b.Fresh("group");
            foreach (var seq in alternatives)
                _b.Rule(group, seq);
            return [group];
        }
        if (c == '<')
            throw Unsupported("token references <[id]>");
        var at = Where();
        string? name = Name();
        if (name is null)
            throw Error("a term (a \"literal\", a [class], '.', a (group) or a rule name)");
        _used.TryAdd(name, at);
        return [_b.Nonterminal(name)];
    }

    // The term followed by * + ? {m} {m,} {m,n}, as a sequence (repetitions become fresh recursive rules).
    private int[] Repeated(int[] term)
    {
        if (_pos >= _src.Length)
            return term;
        char c = _src[_pos];
        int min, max;
        if (c == '*') { min = 0; max = -1; _pos++; }
        else if (c == '+') { min = 1; max = -1; _pos++; }
        else if (c == '?') { min = 0; max = 1; _pos++; }
        else if (c == '{') (min, max) = Braces();
        else
            return term;
        int unit = Wrap(term);
        var seq = new List<int>();
        for (int i = 0; i < min; i++)
            seq.Add(unit);
        if (max < 0)
        {
            int star = _b.Fresh("star");
            _b.Rule(star);
            _b.Rule(star, unit, star);
            seq.Add(star);
        }
        else if (max > min)
        {
            // (unit (unit (...)?)?)? nested max - min deep
            int tail = -1;
            for (int i = 0; i < max - min; i++)
            {
                int opt = _b.Fresh("opt");
                _b.Rule(opt);
                _b.Rule(opt, tail < 0 ? [unit] : [unit, tail]);
                tail = opt;
            }
            seq.Add(tail);
        }
        return [.. seq];
    }

    private (int, int) Braces()
    {
        int start = _pos++;
        int min = Number(), max = min;
        if (_pos < _src.Length && _src[_pos] == ',')
        {
            _pos++;
            max = _pos < _src.Length && _src[_pos] == '}' ? -1 : Number();
        }
        if (_pos >= _src.Length || _src[_pos] != '}')
            throw Error("'}' to close the repetition");
        _pos++;
        if (max >= 0 && max < min)
            throw new GrammarException($"GBNF repetition {_src[start.._pos]} has its bounds the wrong way round");
        if (Math.Max(min, max) > MaxRepeat)
            throw Unsupported($"a repetition count above {MaxRepeat} ({_src[start.._pos]})");
        return (min, max);
    }

    private int Number()
    {
        int start = _pos;
        while (_pos < _src.Length && char.IsAsciiDigit(_src[_pos]) && _pos - start < 9)
            _pos++;
        if (_pos == start)
            throw Error("a number");
        return int.Parse(_src.AsSpan(start, _pos - start), CultureInfo.InvariantCulture);
    }

    private int Wrap(int[] term)
    {
        if (term.Length == 1)
            return term[0];
        int n = _b.Fresh("seq");
        _b.Rule(n, term);
        return n;
    }

    private int[] Literal()
    {
        _pos++; // "
        var symbols = new List<int>();
        while (true)
        {
            if (_pos >= _src.Length || _src[_pos] is '\n' or '\r')
                throw Error("'\"' to close the literal");
            if (_src[_pos] == '"')
            {
                _pos++;
                return [.. symbols];
            }
            symbols.Add(CharLexeme(CodePointSet.Single(Char())));
        }
    }

    private CodePointSet CharClass()
    {
        _pos++; // [
        bool negated = _pos < _src.Length && _src[_pos] == '^';
        if (negated)
            _pos++;
        var set = CodePointSet.Empty;
        while (true)
        {
            if (_pos >= _src.Length || _src[_pos] is '\n' or '\r')
                throw Error("']' to close the character class");
            if (_src[_pos] == ']')
            {
                _pos++;
                return negated ? set.Complement() : set;
            }
            int lo = Char();
            int hi = lo;
            if (_pos + 1 < _src.Length && _src[_pos] == '-' && _src[_pos + 1] != ']')
            {
                _pos++;
                hi = Char();
                if (hi < lo)
                    throw Error($"a range in order (U+{lo:X4} > U+{hi:X4})");
            }
            set = set.Union(CodePointSet.Of((lo, hi)));
        }
    }

    // One character of a literal or class, escapes decoded.
    private int Char()
    {
        char c = _src[_pos];
        if (c != '\\')
        {
            if (char.IsHighSurrogate(c) && _pos + 1 < _src.Length && char.IsLowSurrogate(_src[_pos + 1]))
            {
                _pos += 2;
                return char.ConvertToUtf32(c, _src[_pos - 1]);
            }
            _pos++;
            return c;
        }
        if (_pos + 1 >= _src.Length)
            throw Error("an escape after '\\'");
        char e = _src[_pos + 1];
        _pos += 2;
        return e switch
        {
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            '\\' or '"' or '[' or ']' or '-' or '^' => e,
            'x' => Hex(2),
            'u' => Hex(4),
            'U' => Hex(8),
            _ => throw Error($"a known escape (not \\{e})"),
        };
    }

    private int Hex(int digits)
    {
        if (_pos + digits > _src.Length || !int.TryParse(_src.AsSpan(_pos, digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int v))
            throw Error($"{digits} hex digits");
        _pos += digits;
        if (v > CodePointSet.MaxScalar || v is >= 0xD800 and <= 0xDFFF)
            throw Error($"a Unicode scalar value (not U+{v:X})");
        return v;
    }

    private int CharLexeme(CodePointSet set)
    {
        var x = _b.Exprs;
        int expr = set.ToExpr(x);
        var name = new StringBuilder("[");
        foreach (var (lo, hi) in set.Ranges.Take(4))
            name.Append(lo == hi ? $"U+{lo:X}" : $"U+{lo:X}-U+{hi:X}").Append(' ');
        return _b.Lexeme(name.Append(']').ToString(), expr);
    }

    private string? Name()
    {
        int start = _pos;
        while (_pos < _src.Length && (char.IsAsciiLetterOrDigit(_src[_pos]) || _src[_pos] is '-' or '_'))
            _pos++;
        return _pos > start ? _src[start.._pos] : null;
    }

    // Spaces, tabs and comments; newlines too where `newlines` (between rules, inside groups).
    private void Space(bool newlines)
    {
        while (_pos < _src.Length)
        {
            char c = _src[_pos];
            if (c is ' ' or '\t' || (newlines && c is '\n' or '\r'))
                _pos++;
            else if (c == '#')
            {
                while (_pos < _src.Length && _src[_pos] is not ('\n' or '\r'))
                    _pos++;
            }
            else
                return;
        }
    }

    private (int Line, int Col) Where()
    {
        int line = 1, col = 1;
        for (int i = 0; i < _pos && i < _src.Length; i++)
        {
            if (_src[i] == '\n') { line++; col = 1; }
            else col++;
        }
        return (line, col);
    }

    private GrammarException Error(string expected)
    {
        var (line, col) = Where();
        return new GrammarException($"GBNF at {line}:{col}: expected {expected}");
    }

    private GrammarException Unsupported(string what)
    {
        var (line, col) = Where();
        return new GrammarException($"GBNF at {line}:{col}: {what} cannot be enforced");
    }
}
