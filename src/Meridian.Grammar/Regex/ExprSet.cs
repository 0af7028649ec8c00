// Regular expressions over bytes, hash-consed, with Brzozowski derivatives: the states of a DFA built lazily, one
// transition at a time, as llguidance's derivre does (docs/optimizations.md), so no automaton is ever built whole.
// Written here because no .NET library exposes derivatives or a lazily explored DFA (System.Text.RegularExpressions'
// NonBacktracking engine is internal). Or is kept canonical (flattened, sorted, deduplicated, byte sets merged),
// which bounds the number of distinct derivatives of any expression and so the DFA's states.
namespace Meridian.Grammar.Regex;

internal enum ExprKind : byte { Nothing, Epsilon, Bytes, Concat, Or, Star, Repeat, And, Not }

/// <summary>The expressions of one grammar: ids into a table; 0 matches nothing, 1 matches only the empty string.</summary>
internal sealed class ExprSet
{
    public const int Nothing = 0, Epsilon = 1;

    /// <summary>Counted repetitions above this are refused (a schema's maxLength of 10^9 would otherwise be a DFA of that size).</summary>
    public const int MaxRepeat = 100_000;

    private readonly List<Expr> _exprs = [];
    private readonly Dictionary<Expr, int> _ids = new(new ExprComparer());
    private readonly Dictionary<long, int> _derivatives = [];
    private readonly Dictionary<int, bool> _empty = [];

    public ExprSet(int maxExprs = 2_000_000)
    {
        MaxExprs = maxExprs;
        Add(new Expr(ExprKind.Nothing, 0, 0, 0, 0, default, null, false));
        Add(new Expr(ExprKind.Epsilon, 0, 0, 0, 0, default, null, true));
    }

    /// <summary>How many expressions may exist before a pattern is refused as too complex.</summary>
    public int MaxExprs { get; }

    public bool Nullable(int e) => _exprs[e].Nullable;

    public int Bytes(ByteSet set) => set.IsEmpty ? Nothing : Add(new Expr(ExprKind.Bytes, 0, 0, 0, 0, set, null, false));

    public int Byte(byte b) => Bytes(ByteSet.Range(b, b));

    public int Concat(int a, int b)
    {
        if (a == Nothing || b == Nothing)
            return Nothing;
        if (a == Epsilon)
            return b;
        if (b == Epsilon)
            return a;
        var x = _exprs[a];
        if (x.Kind == ExprKind.Concat) // right-associated, so (xy)z and x(yz) are one expression
            return Concat(x.A, Concat(x.B, b));
        return Add(new Expr(ExprKind.Concat, a, b, 0, 0, default, null, x.Nullable && _exprs[b].Nullable));
    }

    public int Concat(ReadOnlySpan<int> items)
    {
        int e = Epsilon;
        for (int i = items.Length - 1; i >= 0; i--)
            e = Concat(items[i], e);
        return e;
    }

    public int Or(int a, int b) => Or([a, b]);

    public int Or(ReadOnlySpan<int> items)
    {
        var flat = new List<int>();
        ByteSet bytes = default;
        bool anyBytes = false;
        foreach (int i in items)
            Flatten(i, flat, ref bytes, ref anyBytes);
        if (anyBytes && !bytes.IsEmpty)
            flat.Add(Bytes(bytes));
        flat.Sort();
        int n = 0;
        for (int i = 0; i < flat.Count; i++)
        {
            if (i == 0 || flat[i] != flat[i - 1])
                flat[n++] = flat[i];
        }
        flat.RemoveRange(n, flat.Count - n);
        if (flat.Count == 0)
            return Nothing;
        if (flat.Count == 1)
            return flat[0];
        var arr = flat.ToArray();
        bool nullable = arr.Any(Nullable);
        return Add(new Expr(ExprKind.Or, 0, 0, 0, 0, default, arr, nullable));
    }

    public int Star(int a)
    {
        if (a == Nothing || a == Epsilon)
            return Epsilon;
        if (_exprs[a].Kind == ExprKind.Star)
            return a;
        return Add(new Expr(ExprKind.Star, a, 0, 0, 0, default, null, true));
    }

    /// <summary>a{min,max}; max = -1 for no upper bound.</summary>
    public int Repeat(int a, int min, int max)
    {
        if (min < 0 || (max >= 0 && max < min))
            throw new GrammarException($"repetition {{{min},{max}}} has its bounds the wrong way round");
        if (min > MaxRepeat || max > MaxRepeat)
            throw new GrammarException($"repetition count {Math.Max(min, max)} is above the {MaxRepeat} this engine enforces");
        if (max == 0 || a == Epsilon)
            return Epsilon;
        if (a == Nothing)
            return min == 0 ? Epsilon : Nothing;
        if (min == 0 && max < 0)
            return Star(a);
        if (min == 1 && max == 1)
            return a;
        return Add(new Expr(ExprKind.Repeat, a, 0, min, max, default, null, min == 0 || Nullable(a)));
    }

    /// <summary>Strings both match (derivatives make intersection as cheap as union: d(a&amp;b) = d(a) &amp; d(b)).</summary>
    public int And(int a, int b)
    {
        if (a == Nothing || b == Nothing)
            return Nothing;
        if (a == b)
            return a;
        if (a > b)
            (a, b) = (b, a);
        return Add(new Expr(ExprKind.And, a, b, 0, 0, default, null, Nullable(a) && Nullable(b)));
    }

    /// <summary>Every byte string <paramref name="a"/> does not match (d(¬a) = ¬d(a)).</summary>
    public int Not(int a)
    {
        if (_exprs[a].Kind == ExprKind.Not)
            return _exprs[a].A;
        return Add(new Expr(ExprKind.Not, a, 0, 0, 0, default, null, !Nullable(a)));
    }

    /// <summary>The expression matching what <paramref name="e"/> matches after <paramref name="b"/>, i.e. the derivative.</summary>
    public int Derivative(int e, byte b)
    {
        long key = ((long)e << 8) | b;
        if (_derivatives.TryGetValue(key, out int d))
            return d;
        var x = _exprs[e];
        d = x.Kind switch
        {
            ExprKind.Nothing or ExprKind.Epsilon => Nothing,
            ExprKind.Bytes => x.Set.Contains(b) ? Epsilon : Nothing,
            ExprKind.Concat => _exprs[x.A].Nullable
                ? Or(Concat(Derivative(x.A, b), x.B), Derivative(x.B, b))
                : Concat(Derivative(x.A, b), x.B),
            ExprKind.Or => OrOfDerivatives(x.Items!, b),
            ExprKind.Star => Concat(Derivative(x.A, b), e),
            ExprKind.And => And(Derivative(x.A, b), Derivative(x.B, b)),
            ExprKind.Not => Not(Derivative(x.A, b)),
            _ => Concat(Derivative(x.A, b), Repeat(x.A, Math.Max(x.Min - 1, 0), x.Max < 0 ? -1 : x.Max - 1)),
        };
        _derivatives[key] = d;
        return d;
    }

    /// <summary>
    /// True when <paramref name="e"/> matches no string at all. Without And and Not an expression other than Nothing
    /// always matches something (the constructors fold every empty case to Nothing); with them it may not (a pattern
    /// that needs a quote, and'ed with "no quotes"), so those are searched: breadth first over derivatives for a
    /// nullable one, at most <paramref name="budget"/> expressions (past it, assumed non-empty). Memoized.
    /// </summary>
    public bool IsEmpty(int e, int budget = 4096)
    {
        if (e == Nothing)
            return true;
        if (!_exprs[e].Boolean || _exprs[e].Nullable)
            return false;
        if (_empty.TryGetValue(e, out bool known))
            return known;
        var seen = new HashSet<int> { e };
        var queue = new Queue<int>();
        queue.Enqueue(e);
        bool empty = true;
        while (queue.Count > 0 && empty)
        {
            int x = queue.Dequeue();
            for (int b = 0; b < 256 && empty; b++)
            {
                int d = Derivative(x, (byte)b);
                if (d == Nothing || !seen.Add(d))
                    continue;
                if (_exprs[d].Nullable || !_exprs[d].Boolean || (_empty.TryGetValue(d, out bool k) && !k))
                    empty = false;
                else if (seen.Count > budget)
                    empty = false; // give up: treat as matching something
                else
                    queue.Enqueue(d);
            }
        }
        _empty[e] = empty;
        return empty;
    }

    private int OrOfDerivatives(int[] items, byte b)
    {
        Span<int> ds = items.Length <= 64 ? stackalloc int[items.Length] : new int[items.Length];
        for (int i = 0; i < items.Length; i++)
            ds[i] = Derivative(items[i], b);
        return Or(ds);
    }

    private void Flatten(int e, List<int> into, ref ByteSet bytes, ref bool anyBytes)
    {
        var x = _exprs[e];
        switch (x.Kind)
        {
            case ExprKind.Nothing:
                return;
            case ExprKind.Or:
                foreach (int i in x.Items!)
                    Flatten(i, into, ref bytes, ref anyBytes);
                return;
            case ExprKind.Bytes:
                bytes = bytes.Union(x.Set);
                anyBytes = true;
                return;
            default:
                into.Add(e);
                return;
        }
    }

    private int Add(Expr x)
    {
        if (_ids.TryGetValue(x, out int id))
            return id;
        x = x with
        {
            Boolean = x.Kind is ExprKind.And or ExprKind.Not
                || (x.Kind is ExprKind.Concat or ExprKind.Star or ExprKind.Repeat && (_exprs[x.A].Boolean || (x.Kind == ExprKind.Concat && _exprs[x.B].Boolean)))
                || (x.Kind == ExprKind.Or && x.Items!.Any(i => _exprs[i].Boolean)),
        };
        if (_exprs.Count >= MaxExprs)
            throw new GrammarException($"the pattern needs more than {MaxExprs} automaton expressions; simplify it");
        id = _exprs.Count;
        _exprs.Add(x);
        _ids[x] = id;
        return id;
    }

    // Boolean: And or Not occurs in it (only then can it be empty without being Nothing).
    private readonly record struct Expr(ExprKind Kind, int A, int B, int Min, int Max, ByteSet Set, int[]? Items, bool Nullable)
    {
        public bool Boolean { get; init; }
    }

    private sealed class ExprComparer : IEqualityComparer<Expr>
    {
        public bool Equals(Expr x, Expr y) =>
            x.Kind == y.Kind && x.A == y.A && x.B == y.B && x.Min == y.Min && x.Max == y.Max && x.Set == y.Set
            && (x.Items is null ? y.Items is null : y.Items is not null && x.Items.AsSpan().SequenceEqual(y.Items));

        public int GetHashCode(Expr x)
        {
            var h = new HashCode();
            h.Add(x.Kind);
            h.Add(x.A);
            h.Add(x.B);
            h.Add(x.Min);
            h.Add(x.Max);
            h.Add(x.Set);
            if (x.Items is { } items)
                foreach (int i in items)
                    h.Add(i);
            return h.ToHashCode();
        }
    }
}
