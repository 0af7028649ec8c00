// A context-free grammar whose terminals are lexemes (regular expressions over bytes), the shape llguidance uses:
// the regular parts are matched by a lazily built DFA, the nesting by an Earley parser over the lexemes.
// Symbols are ints: a nonterminal n >= 0, a lexeme l as ~l (< 0).
using Meridian.Grammar.Regex;

namespace Meridian.Grammar.Cfg;

/// <summary>One rule: <see cref="Lhs"/> → <see cref="Rhs"/> (nonterminals >= 0, lexemes as ~index).</summary>
internal readonly record struct CfgRule(int Lhs, int[] Rhs);

/// <summary>A lexeme: its expression in the grammar's <see cref="ExprSet"/> and a name for messages.</summary>
internal readonly record struct CfgLexeme(string Name, int Expr);

/// <summary>A grammar ready for matching: rules grouped by left side, nullable nonterminals known.</summary>
internal sealed class CfgGrammar
{
    public CfgGrammar(ExprSet exprs, IReadOnlyList<CfgLexeme> lexemes, IReadOnlyList<string> nonterminals, IReadOnlyList<CfgRule> rules, int start)
    {
        Exprs = exprs;
        Lexemes = lexemes;
        Rules = rules;
        Start = start;
        var byLhs = new List<int>[nonterminals.Count];
        for (int i = 0; i < byLhs.Length; i++)
            byLhs[i] = [];
        for (int r = 0; r < rules.Count; r++)
            byLhs[rules[r].Lhs].Add(r);
        RulesOf = byLhs.Select(l => l.ToArray()).ToArray();
        for (int n = 0; n < RulesOf.Length; n++)
        {
            if (RulesOf[n].Length == 0)
                throw new GrammarException($"the grammar's rule '{nonterminals[n]}' has no definition");
        }
        Nullable = new bool[nonterminals.Count];
        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach (var rule in rules)
            {
                if (!Nullable[rule.Lhs] && rule.Rhs.All(s => s >= 0 && Nullable[s]))
                {
                    Nullable[rule.Lhs] = true;
                    changed = true;
                }
            }
        }
        foreach (var lexeme in lexemes)
        {
            if (exprs.Nullable(lexeme.Expr))
                throw new GrammarException($"the lexeme {lexeme.Name} matches the empty string (make it optional in a rule instead)");
        }
    }

    public ExprSet Exprs { get; }

    public IReadOnlyList<CfgLexeme> Lexemes { get; }

    public IReadOnlyList<CfgRule> Rules { get; }

    /// <summary>[nonterminal] the rules with it on the left.</summary>
    public int[][] RulesOf { get; }

    /// <summary>[nonterminal] derives the empty string.</summary>
    public bool[] Nullable { get; }

    public int Start { get; }
}
