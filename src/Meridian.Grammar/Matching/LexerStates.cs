// The lexer's DFA over a set of lexemes, built lazily: a state is the list of (lexeme, derivative) pairs still alive
// for the bytes of the current lexeme so far; the start state of an allowed set has each allowed lexeme's whole
// expression. States are interned, and each keeps a [256] row of transitions filled on first use.
using Meridian.Grammar.Cfg;
using Meridian.Grammar.Regex;

namespace Meridian.Grammar.Matching;

internal sealed class LexerStates
{
    /// <summary>No lexeme can match the bytes so far.</summary>
    public const int Dead = 0;

    private readonly CfgGrammar _grammar;
    private readonly ExprSet _exprs;
    private readonly Dictionary<Key, int> _ids = new(new KeyComparer());
    private readonly List<(int Lexeme, int Expr)[]> _pairs = [];
    private readonly List<int[]> _next = [];
    private readonly List<int[]> _accepting = [];

    public LexerStates(CfgGrammar grammar)
    {
        _grammar = grammar;
        _exprs = grammar.Exprs;
        Intern([]);
    }

    public int Count => _pairs.Count;

    /// <summary>The state before any byte of a lexeme drawn from <paramref name="allowed"/> (lexeme indices, ascending).</summary>
    public int Start(int[] allowed)
    {
        var pairs = new (int, int)[allowed.Length];
        for (int i = 0; i < allowed.Length; i++)
            pairs[i] = (allowed[i], _grammar.Lexemes[allowed[i]].Expr);
        return Intern(pairs);
    }

    public int Next(int state, byte b)
    {
        int n = _next[state][b];
        if (n >= 0)
            return n;
        var pairs = _pairs[state];
        var after = new List<(int, int)>(pairs.Length);
        foreach (var (lexeme, expr) in pairs)
        {
            int d = _exprs.Derivative(expr, b);
            if (!_exprs.IsEmpty(d))
                after.Add((lexeme, d));
        }
        n = Intern(after.ToArray());
        _next[state][b] = n;
        return n;
    }

    /// <summary>The lexemes (ascending) the bytes so far match completely.</summary>
    public int[] Accepting(int state) => _accepting[state];

    private int Intern((int Lexeme, int Expr)[] pairs)
    {
        var key = new Key(pairs);
        if (_ids.TryGetValue(key, out int id))
            return id;
        id = _pairs.Count;
        _ids[key] = id;
        _pairs.Add(pairs);
        var row = new int[256];
        Array.Fill(row, pairs.Length == 0 ? Dead : -1);
        _next.Add(row);
        _accepting.Add(pairs.Where(p => _exprs.Nullable(p.Expr)).Select(p => p.Lexeme).ToArray());
        return id;
    }

    private readonly record struct Key((int Lexeme, int Expr)[] Pairs);

    private sealed class KeyComparer : IEqualityComparer<Key>
    {
        public bool Equals(Key x, Key y) => x.Pairs.AsSpan().SequenceEqual(y.Pairs);

        public int GetHashCode(Key k)
        {
            var h = new HashCode();
            foreach (var (l, e) in k.Pairs)
            {
                h.Add(l);
                h.Add(e);
            }
            return h.ToHashCode();
        }
    }
}
