// Builds a CfgGrammar: lexemes from patterns or literal text (deduplicated, so a literal used in many rules is one
// lexeme), nonterminals by name, and rules over both.
using Meridian.Grammar.Regex;

namespace Meridian.Grammar.Cfg;

internal sealed class CfgBuilder
{
    private readonly List<CfgLexeme> _lexemes = [];
    private readonly Dictionary<int, int> _lexemeOfExpr = [];
    private readonly List<string> _nonterminals = [];
    private readonly Dictionary<string, int> _nonterminalOf = new(StringComparer.Ordinal);
    private readonly List<CfgRule> _rules = [];

    public ExprSet Exprs { get; } = new();

    /// <summary>The lexeme of an anchored pattern (ECMA-262 syntax) as a symbol.</summary>
    public int Pattern(string pattern) => Lexeme($"/{pattern}/", RegexSyntax.Parse(Exprs, pattern, anchored: true));

    /// <summary>The lexeme matching exactly <paramref name="text"/> as a symbol.</summary>
    public int Literal(string text)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        var items = bytes.Select(Exprs.Byte).ToArray();
        return Lexeme(System.Text.Json.JsonSerializer.Serialize(text), Exprs.Concat(items));
    }

    /// <summary>A lexeme of an expression built on <see cref="Exprs"/>, as a symbol.</summary>
    public int Lexeme(string name, int expr)
    {
        if (!_lexemeOfExpr.TryGetValue(expr, out int index))
        {
            index = _lexemes.Count;
            _lexemes.Add(new CfgLexeme(name, expr));
            _lexemeOfExpr[expr] = index;
        }
        return ~index;
    }

    /// <summary>The nonterminal named <paramref name="name"/>, created on first use.</summary>
    public int Nonterminal(string name)
    {
        if (!_nonterminalOf.TryGetValue(name, out int n))
        {
            n = _nonterminals.Count;
            _nonterminals.Add(name);
            _nonterminalOf[name] = n;
        }
        return n;
    }

    /// <summary>A fresh nonterminal (a name no other has).</summary>
    public int Fresh(string hint) => Nonterminal($"{hint}#{_nonterminals.Count}");

    public void Rule(int lhs, params int[] rhs) => _rules.Add(new CfgRule(lhs, rhs));

    public CfgGrammar Build(int start) => new(Exprs, _lexemes, _nonterminals, _rules, start);
}
