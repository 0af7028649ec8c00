// GBNF grammars against independent checks: a regular grammar against .NET's regex on thousands of strings (every
// prefix too: viable prefixes of the grammar are exactly the prefixes of matching strings); a nested arithmetic
// grammar's random sentences against a recursive-descent checker written here; llama.cpp's syntax (comments, groups
// over lines, escapes, repetition counts); and every malformed or unsupported grammar refused with its place named.
using System.Text;
using Meridian.Grammar.Cfg;
using Meridian.Grammar.Gbnf;
using Meridian.Grammar.Matching;

namespace Meridian.Grammar.Tests;

public sealed class GbnfTests
{
    [Fact]
    public void RegularGrammar_AgreesWithDotNetRegex()
    {
        const string gbnf = """
            # an answer, a space, a number of two or three digits
            root ::= answer " " [0-9]{2,3} ("%" | "")
            answer ::= "yes" | "no" | "mé\u00e9"
            """;
        var oracle = new System.Text.RegularExpressions.Regex("^(yes|no|méé) [0-9]{2,3}%?\\z");
        var grammar = GbnfParser.Parse(gbnf);
        var lexer = new LexerStates(grammar);
        var rng = new Random(2);
        string[] pieces = ["yes", "no", "mé", "é", " ", "1", "23", "%", "y", "x", ""];
        int matched = 0;
        for (int n = 0; n < 4000; n++)
        {
            var sb = new StringBuilder();
            if (n % 2 == 0)
            {
                // near-miss shapes: an answer, a space, 1 to 4 digits, maybe a percent sign, maybe a stray piece
                sb.Append(new[] { "yes", "no", "méé", "mé", "ye" }[rng.Next(5)]).Append(rng.Next(8) == 0 ? "" : " ");
                for (int d = rng.Next(1, 5); d > 0; d--)
                    sb.Append((char)('0' + rng.Next(10)));
                if (rng.Next(2) == 0)
                    sb.Append('%');
                if (rng.Next(6) == 0)
                    sb.Insert(rng.Next(sb.Length + 1), pieces[rng.Next(pieces.Length)]);
            }
            else
            {
                for (int p = rng.Next(1, 6); p > 0; p--)
                    sb.Append(pieces[rng.Next(pieces.Length)]);
            }
            string s = sb.ToString();
            var m = new GrammarMatcher(grammar, lexer);
            bool whole = m.TryBytes(Encoding.UTF8.GetBytes(s)) && m.CanEnd();
            Assert.True(whole == oracle.IsMatch(s), $"'{s}': grammar {whole}, regex {oracle.IsMatch(s)}");
            if (whole)
                matched++;
        }
        Assert.True(matched > 400, $"only {matched} matching strings generated");
    }

    [Fact]
    public void ArithmeticGrammar_RandomSentencesParseByHand()
    {
        const string gbnf = """
            root ::= expr
            expr ::= term (ws [-+*/] ws term)*
            term ::= [0-9]+ | "(" ws expr ws ")"
            ws ::= [ ]?
            """;
        var grammar = GbnfParser.Parse(gbnf);
        var lexer = new LexerStates(grammar);
        for (int seed = 0; seed < 50; seed++)
        {
            string s = JsonSchemaSuiteTests.RandomSentence(grammar, lexer, seed, "arithmetic");
            int pos = 0;
            Assert.True(Expr(s, ref pos) && pos == s.Length, $"seed {seed}: '{s}' does not parse by hand");
        }
        var m = new GrammarMatcher(grammar, lexer);
        Assert.False(m.TryBytes("(1+)"u8));
        Assert.True(m.TryBytes("((1 + 2)*3)"u8) && m.CanEnd());
    }

    [Fact]
    public void LlamaCppSyntax_CommentsGroupsOverLinesEscapesCounts()
    {
        const string gbnf = """
            root ::= (
                "a\n" |   # a newline escape
                [\x41-\x43]{2} |
                "\u00e9" [^a-z0-9\]] "q"+
            ) ("!"? "\"")
            """;
        var grammar = GbnfParser.Parse(gbnf);
        var lexer = new LexerStates(grammar);
        foreach (var (text, ok) in new[] { ("a\n\"", true), ("AB!\"", true), ("CA\"", true), ("é-qqq\"", true), ("é]q\"", false), ("éaq\"", false), ("A\"", false), ("a\n!!\"", false) })
        {
            var m = new GrammarMatcher(grammar, lexer);
            Assert.True((m.TryBytes(Encoding.UTF8.GetBytes(text)) && m.CanEnd()) == ok, $"'{text}' should be {(ok ? "accepted" : "refused")}");
        }
    }

    [Theory]
    [InlineData("rooty ::= \"a\"", "no rule 'root'")]
    [InlineData("root ::= item", "'item' is used but never defined")]
    [InlineData("root ::= \"a", "'\"' to close the literal")]
    [InlineData("root ::= [a-", "']' to close")]
    [InlineData("root ::= (\"a\" | \"b\"", "')' to close the group")]
    [InlineData("root ::= <[1000]>", "token references")]
    [InlineData("root ::= \"a\"{3,1}", "wrong way round")]
    [InlineData("root ::= \"a\"{20000}", "above 10000")]
    [InlineData("root = \"a\"", "'::='")]
    [InlineData("root ::= \"a\"\nroot ::= \"b\"", "defined twice")]
    [InlineData("root ::= [z-a]", "range in order")]
    [InlineData("root ::= \"\\q\"", "known escape")]
    public void Malformed_IsRefusedNamingThePlace(string gbnf, string mention)
    {
        var e = Assert.Throws<GrammarException>(() => GbnfParser.Parse(gbnf));
        Assert.Contains(mention, e.Message);
    }

    // expr := term (ws? op ws? term)*; term := digits | "(" ws? expr ws? ")"; ws := " "?
    private static bool Expr(string s, ref int i)
    {
        if (!Term(s, ref i))
            return false;
        while (true)
        {
            int save = i;
            Ws(s, ref i);
            if (i < s.Length && "+-*/".Contains(s[i]))
            {
                i++;
                Ws(s, ref i);
                if (!Term(s, ref i))
                    return false;
                continue;
            }
            i = save;
            return true;
        }
    }

    private static bool Term(string s, ref int i)
    {
        if (i < s.Length && char.IsAsciiDigit(s[i]))
        {
            while (i < s.Length && char.IsAsciiDigit(s[i]))
                i++;
            return true;
        }
        if (i < s.Length && s[i] == '(')
        {
            i++;
            Ws(s, ref i);
            if (!Expr(s, ref i))
                return false;
            Ws(s, ref i);
            if (i < s.Length && s[i] == ')')
            {
                i++;
                return true;
            }
        }
        return false;
    }

    private static void Ws(string s, ref int i)
    {
        if (i < s.Length && s[i] == ' ')
            i++;
    }
}
