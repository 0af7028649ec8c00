// A regular expression compiled to a byte-level DFA that is built lazily: a state is an expression (ExprSet), and a
// transition is computed the first time it is taken (the expression's derivative) and cached in the state's row.
// Matching UTF-8 text, or feeding a token's bytes one at a time, costs one array lookup per byte once warm.
namespace Meridian.Grammar.Regex;

/// <summary>A pattern as a lazily built byte-level DFA over its UTF-8 text.</summary>
public sealed class ByteRegex
{
    /// <summary>The state from which nothing matches.</summary>
    public const int Dead = 0;

    private readonly ExprSet _exprs;
    private readonly Dictionary<int, int> _stateOf = []; // expression -> state
    private readonly List<int> _exprOf = [];             // state -> expression
    private readonly List<int[]> _next = [];             // state -> [256] next state, -1 not yet computed
    private readonly List<bool> _accepting = [];

    private ByteRegex(ExprSet exprs, int expr)
    {
        _exprs = exprs;
        State(ExprSet.Nothing); // state 0: dead
        Start = State(expr);
    }

    /// <summary>
    /// Compiles <paramref name="pattern"/> (ECMA-262 syntax, as JSON Schema's `pattern`). Anchored: the whole text
    /// must match; unanchored: a match anywhere (JSON Schema's semantics). Unsupported constructs throw
    /// <see cref="GrammarException"/> naming them.
    /// </summary>
    public static ByteRegex Compile(string pattern, bool anchored = true)
    {
        var exprs = new ExprSet();
        return new ByteRegex(exprs, RegexSyntax.Parse(exprs, pattern, anchored));
    }

    /// <summary>The state before any byte.</summary>
    public int Start { get; }

    /// <summary>States built so far.</summary>
    public int StateCount => _exprOf.Count;

    /// <summary>The state after <paramref name="b"/> from <paramref name="state"/>; <see cref="Dead"/> when nothing can match any more.</summary>
    public int Next(int state, byte b)
    {
        var row = _next[state];
        int n = row[b];
        if (n < 0)
        {
            n = State(_exprs.Derivative(_exprOf[state], b));
            row = _next[state]; // State may have grown the lists, not this row
            row[b] = n;
        }
        return n;
    }

    /// <summary>True when the bytes that led to <paramref name="state"/> are a match.</summary>
    public bool IsAccepting(int state) => _accepting[state];

    /// <summary>True when <paramref name="utf8"/> matches (the whole of it when compiled anchored).</summary>
    public bool IsMatch(ReadOnlySpan<byte> utf8)
    {
        int s = Start;
        foreach (byte b in utf8)
        {
            s = Next(s, b);
            if (s == Dead)
                return false;
        }
        return IsAccepting(s);
    }

    /// <summary>True when <paramref name="text"/> matches.</summary>
    public bool IsMatch(string text) => IsMatch(System.Text.Encoding.UTF8.GetBytes(text));

    private int State(int expr)
    {
        if (_stateOf.TryGetValue(expr, out int s))
            return s;
        s = _exprOf.Count;
        _stateOf[expr] = s;
        _exprOf.Add(expr);
        var row = new int[256];
        Array.Fill(row, expr == ExprSet.Nothing ? Dead : -1);
        _next.Add(row);
        _accepting.Add(_exprs.Nullable(expr));
        return s;
    }
}
