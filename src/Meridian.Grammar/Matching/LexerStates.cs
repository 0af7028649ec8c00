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
    private readonly List<int?> _sliceStep = [];

    public LexerStates(CfgGrammar grammar)
    {
        _grammar = grammar;
        _exprs = grammar.Exprs;
        Intern([]);
    }

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

    /// <summary>
    /// Whether every string-text token (TokenVocabulary's slice) leads <paramref name="state"/> back to itself (free
    /// text: no length limit, no pattern).
    /// </summary>
    public bool SliceLoops(int state) => state != Dead && SliceStep(state) == state;

    /// <summary>
    /// The state every whole string-text character leads <paramref name="state"/> to, when it is one and the same
    /// for all of them (a length-limited string's next count; the state itself for free text); <see cref="Dead"/>
    /// when every such character dies; -1 when they differ (a pattern). A breadth-first walk of the pairs (lexer
    /// state, UTF-8 decoder state) over the slice's bytes. Cached per state.
    /// </summary>
    public int SliceStep(int state)
    {
        while (_sliceStep.Count <= state)
            _sliceStep.Add(null);
        if (_sliceStep[state] is { } known)
            return known;
        int target = -2;
        bool died = false, mixed = false;
        if (state != Dead)
        {
            var seen = new HashSet<(int, int)> { (state, 0) };
            var queue = new Queue<(int Lexer, int Utf8)>();
            queue.Enqueue((state, 0));
            while (!mixed && queue.Count > 0)
            {
                var (s, u) = queue.Dequeue();
                for (int b = 0; b < 256 && !mixed; b++)
                {
                    int nu = Utf8Next(u, (byte)b);
                    if (nu < 0)
                        continue; // not a byte the slice's tokens have here
                    int ns = Next(s, (byte)b);
                    if (ns == Dead)
                        died = true;
                    else if (nu == 0)
                    {
                        if (target == -2)
                            target = ns;
                        else if (target != ns)
                            mixed = true;
                    }
                    else if (seen.Add((ns, nu)))
                        queue.Enqueue((ns, nu));
                }
            }
        }
        int step = mixed || (died && target != -2) ? -1 : target == -2 ? Dead : target;
        _sliceStep[state] = step;
        return step;
    }

    // A UTF-8 decoder over string text: 0 between characters; 1-3 continuation bytes still due; 4/5/6/7 the
    // restricted second bytes after E0, ED, F0, F4. -1: a byte string text cannot have here.
    private static int Utf8Next(int u, byte b)
    {
        switch (u)
        {
            case 0:
                if (b < 0x80)
                    return b < 0x20 || b == (byte)'"' || b == (byte)'\\' ? -1 : 0;
                if (b is >= 0xC2 and <= 0xDF) return 1;
                if (b == 0xE0) return 4;
                if (b == 0xED) return 5;
                if (b is >= 0xE1 and <= 0xEF) return 2;
                if (b == 0xF0) return 6;
                if (b == 0xF4) return 7;
                if (b is >= 0xF1 and <= 0xF3) return 3;
                return -1;
            case 1: case 2: case 3:
                return b is >= 0x80 and <= 0xBF ? u - 1 : -1;
            case 4: return b is >= 0xA0 and <= 0xBF ? 1 : -1;
            case 5: return b is >= 0x80 and <= 0x9F ? 1 : -1;
            case 6: return b is >= 0x90 and <= 0xBF ? 2 : -1;
            default: return b is >= 0x80 and <= 0x8F ? 2 : -1;
        }
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
