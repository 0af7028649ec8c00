// JSON (RFC 8259) as a lexeme grammar: strings, numbers, literals and punctuation are lexemes; objects and arrays
// are rules. Whitespace between two tokens is one space, or a newline and at most MaxIndent spaces or tabs
// (llama.cpp's `space` rule), so a model can pretty-print but cannot loop on spaces (Ollama's `format: json` was ~10x
// slower for that, ollama #4370) or spend its tokens on them.
using Meridian.Grammar.Cfg;

namespace Meridian.Grammar.Json;

internal static class JsonGrammar
{
    /// <summary>Indentation characters allowed after a newline between two JSON tokens.</summary>
    public const int MaxIndent = 20;

    /// <summary>
    /// One escape sequence: a simple escape, a \u escape of a non-surrogate, or a surrogate pair written as two \u
    /// escapes (one character, as JSON Schema's lengths count it; a lone surrogate is not a character).
    /// </summary>
    public const string EscapePattern = @"\\(?:[""\\/bfnrt]|u(?:[0-9a-cA-CeEfF][0-9a-fA-F]{3}|[dD][0-7][0-9a-fA-F]{2})|u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2})";

    public const string StringPattern = @"""(?:[^""\\\u0000-\u001F]|" + EscapePattern + @")*""";
    /// <summary>
    /// A JSON number of at most 16 digits before the point and 16 after, with an exponent of at most 3 digits (as
    /// llama.cpp's JSON grammars bound them): past double precision a digit means nothing, and a model must not be
    /// able to write digits forever.
    /// </summary>
    public const string NumberPattern = @"-?(?:0|[1-9][0-9]{0,15})(?:\.[0-9]{1,16})?(?:[eE][+-]?[0-9]{1,3})?";

    /// <summary>Any JSON text (one value), or only an object (OpenAI's `json_object`).</summary>
    public static CfgGrammar Build(bool objectOnly)
    {
        var b = new CfgBuilder();
        var j = new Symbols(b);
        int root = b.Nonterminal("root");
        b.Rule(root, j.Ows, objectOnly ? j.Object : j.Value, j.Ows);
        return b.Build(root);
    }

    /// <summary>The shared pieces of JSON grammars: whitespace, values, objects, arrays.</summary>
    internal sealed class Symbols
    {
        /// <param name="b">The builder the symbols go into.</param>
        /// <param name="singleSpaces">Whitespace between tokens is at most one space (tool calls, read by programs:
        /// short, and the "a": b spacing templates' tojson writes), instead of a space or a newline and indentation.</param>
        public Symbols(CfgBuilder b, bool singleSpaces = false)
        {
            Ws = singleSpaces ? b.Literal(" ") : b.Pattern($"(?: |\\n[ \\t]{{0,{MaxIndent}}})");
            Ows = b.Nonterminal("ows");
            b.Rule(Ows);
            b.Rule(Ows, Ws);
            String = b.Pattern(StringPattern);
            Number = b.Pattern(NumberPattern);
            Value = b.Nonterminal("value");
            Object = b.Nonterminal("object");
            Array = b.Nonterminal("array");
            foreach (int alt in new[] { Object, Array, String, Number, b.Literal("true"), b.Literal("false"), b.Literal("null") })
                b.Rule(Value, alt);
            Open = b.Literal("{");
            Close = b.Literal("}");
            OpenBracket = b.Literal("[");
            CloseBracket = b.Literal("]");
            Colon = b.Literal(":");
            Comma = b.Literal(",");
            // object ::= "{" ows "}" | "{" ows members ows "}"; members ::= pair | members ows "," ows pair
            int members = b.Nonterminal("members"), pair = b.Nonterminal("pair");
            b.Rule(Object, Open, Ows, Close);
            b.Rule(Object, Open, Ows, members, Ows, Close);
            b.Rule(members, pair);
            b.Rule(members, members, Ows, Comma, Ows, pair);
            b.Rule(pair, String, Ows, Colon, Ows, Value);
            int elements = b.Nonterminal("elements");
            b.Rule(Array, OpenBracket, Ows, CloseBracket);
            b.Rule(Array, OpenBracket, Ows, elements, Ows, CloseBracket);
            b.Rule(elements, Value);
            b.Rule(elements, elements, Ows, Comma, Ows, Value);
        }

        public int Ws { get; }
        public int Ows { get; }
        public int String { get; }
        public int Number { get; }
        public int Value { get; }
        public int Object { get; }
        public int Array { get; }
        public int Open { get; }
        public int Close { get; }
        public int OpenBracket { get; }
        public int CloseBracket { get; }
        public int Colon { get; }
        public int Comma { get; }
    }
}
