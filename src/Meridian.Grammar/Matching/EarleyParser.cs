// An Earley parser over lexemes (Earley 1970; nullable rules handled as Aycock and Horspool 2002 do, by advancing
// over a nullable nonterminal when it is predicted). One set per lexeme scanned; sets are only appended or cut back
// (Truncate), which is how the token-mask walk tries a token's bytes and undoes them.
using Meridian.Grammar.Cfg;

namespace Meridian.Grammar.Matching;

internal sealed class EarleyParser
{
    private readonly CfgGrammar _g;
    private readonly List<Item[]> _sets = [];
    private readonly List<int[]> _expected = [];
    private readonly List<bool> _accepting = [];
    private readonly List<Item> _work = [];
    private readonly HashSet<Item> _seen = [];
    private readonly Dictionary<(Item[], int[]), Scanned> _scanCache = new(new IdentityPairComparer());

    public EarleyParser(CfgGrammar grammar)
    {
        _g = grammar;
        _work.Clear();
        _seen.Clear();
        foreach (int r in _g.RulesOf[_g.Start])
            Add(new Item(r, 0, 0));
        Close(0);
    }

    /// <summary>Sets so far (1 + lexemes scanned).</summary>
    public int SetCount => _sets.Count;

    /// <summary>Lexemes (ascending indices) the grammar allows next.</summary>
    public int[] Expected => _expected[^1];

    /// <summary>The lexemes scanned so far form a whole sentence of the grammar.</summary>
    public bool Accepting => _accepting[^1];

    /// <summary>Scans one lexeme that matched as any of <paramref name="lexemes"/>; false (and no change) when none fits.</summary>
    /// <remarks>
    /// The result is cached by the identities of the current set and the lexeme array (the lexer's arrays are interned):
    /// a mask's trie walk scans the same set with the same lexemes once per token that ends a lexeme there, thousands
    /// of times, and the sets are immutable once built.
    /// </remarks>
    public bool Scan(int[] lexemes)
    {
        var from = _sets[^1];
        if (_scanCache.TryGetValue((from, lexemes), out var hit))
        {
            if (hit.Set is null)
                return false;
            _sets.Add(hit.Set);
            _expected.Add(hit.Expected!);
            _accepting.Add(hit.Accepting);
            return true;
        }
        if (_scanCache.Count > 50_000)
            _scanCache.Clear();
        _work.Clear();
        _seen.Clear();
        foreach (var item in from)
        {
            var rhs = _g.Rules[item.Rule].Rhs;
            if (item.Dot < rhs.Length && rhs[item.Dot] < 0 && lexemes.AsSpan().Contains(~rhs[item.Dot]))
                Add(item with { Dot = item.Dot + 1 });
        }
        if (_work.Count == 0)
        {
            _scanCache[(from, lexemes)] = default;
            return false;
        }
        Close(_sets.Count);
        _scanCache[(from, lexemes)] = new Scanned(_sets[^1], _expected[^1], _accepting[^1]);
        return true;
    }

    /// <summary>Cuts back to the first <paramref name="count"/> sets.</summary>
    public void Truncate(int count)
    {
        int extra = _sets.Count - count;
        if (extra <= 0)
            return;
        _sets.RemoveRange(count, extra);
        _expected.RemoveRange(count, extra);
        _accepting.RemoveRange(count, extra);
    }

    // Predicts and completes over _work (which already holds the scanned items) and appends it as set `index`.
    private void Close(int index)
    {
        for (int i = 0; i < _work.Count; i++)
        {
            var item = _work[i];
            var rule = _g.Rules[item.Rule];
            if (item.Dot < rule.Rhs.Length)
            {
                int sym = rule.Rhs[item.Dot];
                if (sym < 0)
                    continue;
                foreach (int r in _g.RulesOf[sym])
                    Add(new Item(r, 0, index));
                if (_g.Nullable[sym])
                    Add(item with { Dot = item.Dot + 1 });
            }
            else if (item.Origin < index)
            {
                foreach (var waiting in _sets[item.Origin])
                {
                    var rhs = _g.Rules[waiting.Rule].Rhs;
                    if (waiting.Dot < rhs.Length && rhs[waiting.Dot] == rule.Lhs)
                        Add(waiting with { Dot = waiting.Dot + 1 });
                }
            }
        }
        var set = _work.ToArray();
        var expected = new SortedSet<int>();
        bool accepting = false;
        foreach (var item in set)
        {
            var rule = _g.Rules[item.Rule];
            if (item.Dot < rule.Rhs.Length)
            {
                if (rule.Rhs[item.Dot] < 0)
                    expected.Add(~rule.Rhs[item.Dot]);
            }
            else if (rule.Lhs == _g.Start && item.Origin == 0)
                accepting = true;
        }
        _sets.Add(set);
        _expected.Add([.. expected]);
        _accepting.Add(accepting);
    }

    private void Add(Item item)
    {
        if (_seen.Add(item))
            _work.Add(item);
    }

    private readonly record struct Item(int Rule, int Dot, int Origin);

    private readonly record struct Scanned(Item[]? Set, int[]? Expected, bool Accepting);

    private sealed class IdentityPairComparer : IEqualityComparer<(Item[], int[])>
    {
        public bool Equals((Item[], int[]) x, (Item[], int[]) y) => ReferenceEquals(x.Item1, y.Item1) && ReferenceEquals(x.Item2, y.Item2);

        public int GetHashCode((Item[], int[]) k) =>
            HashCode.Combine(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(k.Item1), System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(k.Item2));
    }
}
