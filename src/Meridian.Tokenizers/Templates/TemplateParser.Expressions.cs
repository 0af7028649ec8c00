// Expression grammar with Jinja2's precedence (loosest first): `x if c else y`, or, and, not,
// comparisons / in / not in, + -, ~, * / // %, **, unary - +, then primaries with .attr, [key],
// [a:b:c], (call), and trailing `| filter` / `is test` chains.
namespace Meridian.Tokenizers.Templates;

internal sealed partial class TemplateParser
{
    private static readonly Dictionary<string, string> CompareOps = new()
    {
        ["=="] = "==", ["!="] = "!=", ["<"] = "<", ["<="] = "<=", [">"] = ">", [">="] = ">=",
    };

    private bool IsTupleEnd(string? extraEnd) =>
        Current.Kind is TokenKind.VariableEnd or TokenKind.BlockEnd || Current.IsOperator(")")
        || (extraEnd is not null && Current.IsName(extraEnd));

    private Expr ParseTuple(bool withCondExpr, string? extraEnd = null, bool simplified = false, bool explicitParentheses = false)
    {
        int line = Current.Line;
        var items = new List<Expr>();
        bool isTuple = false;
        while (true)
        {
            if (items.Count > 0) ExpectOperator(",");
            if (IsTupleEnd(extraEnd)) break;
            items.Add(simplified ? ParsePrimary() : ParseExpression(withCondExpr));
            if (Current.IsOperator(",")) isTuple = true;
            else break;
        }
        if (!isTuple)
        {
            if (items.Count > 0) return items[0];
            if (!explicitParentheses) throw Fail($"Expected an expression, got '{Current.Describe()}'", Current);
        }
        return new ListExpr(items, IsTuple: true, line);
    }

    private Expr ParseExpression(bool withCondExpr)
    {
        Enter(Current);
        try { return withCondExpr ? ParseCondExpr() : ParseOr(); }
        finally { Leave(); }
    }

    private Expr ParseCondExpr()
    {
        int line = Current.Line;
        var expr = ParseOr();
        while (SkipName("if"))
        {
            var test = ParseOr();
            Expr? otherwise = SkipName("else") ? ParseCondExpr() : null;
            expr = new CondExpr(test, expr, otherwise, line);
        }
        return expr;
    }

    // Binary nodes carry the line of their operator, so an error in a multi-line expression points at the failing operation.
    private Expr ParseOr()
    {
        var left = ParseAnd();
        while (Current.IsName("or"))
        {
            int line = Next().Line;
            left = new BinaryExpr("or", left, ParseAnd(), line);
        }
        return left;
    }

    private Expr ParseAnd()
    {
        var left = ParseNot();
        while (Current.IsName("and"))
        {
            int line = Next().Line;
            left = new BinaryExpr("and", left, ParseNot(), line);
        }
        return left;
    }

    private Expr ParseNot()
    {
        if (Current.IsName("not"))
        {
            var token = Next();
            Enter(token);
            try { return new UnaryExpr("not", ParseNot(), token.Line); }
            finally { Leave(); }
        }
        return ParseCompare();
    }

    private Expr ParseCompare()
    {
        int line = Current.Line;
        var first = ParseMath1();
        var rest = new List<KeyValuePair<string, Expr>>();
        while (true)
        {
            if (Current.Kind == TokenKind.Operator && CompareOps.TryGetValue(Current.Text, out string? op))
            {
                Next();
                rest.Add(new(op, ParseMath1()));
            }
            else if (SkipName("in")) rest.Add(new("in", ParseMath1()));
            else if (Current.IsName("not") && Peek().IsName("in"))
            {
                Next();
                Next();
                rest.Add(new("notin", ParseMath1()));
            }
            else break;
        }
        return rest.Count == 0 ? first : new CompareExpr(first, rest, line);
    }

    private Expr ParseMath1()
    {
        var left = ParseConcat();
        while (Current.IsOperator("+") || Current.IsOperator("-"))
        {
            var op = Next();
            left = new BinaryExpr(op.Text, left, ParseConcat(), op.Line);
        }
        return left;
    }

    private Expr ParseConcat()
    {
        int line = Current.Line;
        var parts = new List<Expr> { ParseMath2() };
        while (SkipOperator("~")) parts.Add(ParseMath2());
        return parts.Count == 1 ? parts[0] : new ConcatExpr(parts, line);
    }

    private Expr ParseMath2()
    {
        var left = ParsePow();
        while (Current.Kind == TokenKind.Operator && Current.Text is "*" or "/" or "//" or "%")
        {
            var op = Next();
            left = new BinaryExpr(op.Text, left, ParsePow(), op.Line);
        }
        return left;
    }

    private Expr ParsePow()
    {
        var left = ParseUnary(withFilter: true);
        while (Current.IsOperator("**"))
        {
            int line = Next().Line;
            left = new BinaryExpr("**", left, ParseUnary(withFilter: true), line);
        }
        return left;
    }

    private Expr ParseUnary(bool withFilter)
    {
        var token = Current;
        Enter(token);
        try
        {
            Expr node;
            if (token.IsOperator("-") || token.IsOperator("+"))
            {
                Next();
                node = new UnaryExpr(token.Text, ParseUnary(withFilter: false), token.Line);
            }
            else node = ParsePrimary();
            node = ParsePostfix(node);
            return withFilter ? ParseFilterExpr(node) : node;
        }
        finally { Leave(); }
    }

    private Expr ParsePrimary()
    {
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.Name:
                Next();
                switch (token.Text)
                {
                    case "true" or "True": return new ConstExpr(true, token.Line);
                    case "false" or "False": return new ConstExpr(false, token.Line);
                    case "none" or "None": return new ConstExpr(null, token.Line);
                }
                if (_macroNames.Count > 0) _macroNames.Peek().Add(token.Text);
                return new NameExpr(token.Text, token.Line);
            case TokenKind.String:
                Next();
                string text = token.Text;
                while (Current.Kind == TokenKind.String) text += Next().Text; // adjacent literals concatenate
                return new ConstExpr(text, token.Line);
            case TokenKind.Integer or TokenKind.Float:
                Next();
                return new ConstExpr(token.Value, token.Line);
            case TokenKind.Operator when token.Text == "(":
            {
                Next();
                var inner = ParseTuple(withCondExpr: true, explicitParentheses: true);
                ExpectOperator(")");
                return inner;
            }
            case TokenKind.Operator when token.Text == "[":
            {
                Next();
                var items = new List<Expr>();
                while (!Current.IsOperator("]"))
                {
                    if (items.Count > 0) ExpectOperator(",");
                    if (Current.IsOperator("]")) break;
                    items.Add(ParseExpression(withCondExpr: true));
                }
                ExpectOperator("]");
                return new ListExpr(items, IsTuple: false, token.Line);
            }
            case TokenKind.Operator when token.Text == "{":
            {
                Next();
                var items = new List<KeyValuePair<Expr, Expr>>();
                while (!Current.IsOperator("}"))
                {
                    if (items.Count > 0) ExpectOperator(",");
                    if (Current.IsOperator("}")) break;
                    var key = ParseExpression(withCondExpr: true);
                    ExpectOperator(":");
                    items.Add(new(key, ParseExpression(withCondExpr: true)));
                }
                ExpectOperator("}");
                return new DictExpr(items, token.Line);
            }
            default:
                throw Fail($"unexpected '{token.Describe()}'", token);
        }
    }

    private Expr ParsePostfix(Expr node)
    {
        while (true)
        {
            var token = Current;
            if (token.IsOperator("."))
            {
                Next();
                var attr = Next();
                if (attr.Kind == TokenKind.Name) node = new AttrExpr(node, attr.Text, token.Line);
                else if (attr.Kind == TokenKind.Integer) node = new ItemExpr(node, new ConstExpr(attr.Value, attr.Line), token.Line);
                else throw Fail("expected name or number", attr);
            }
            else if (token.IsOperator("["))
            {
                Next();
                var keys = new List<Expr>();
                while (!Current.IsOperator("]"))
                {
                    if (keys.Count > 0) ExpectOperator(",");
                    keys.Add(ParseSubscribed());
                }
                ExpectOperator("]");
                if (keys.Count == 0) throw Fail("expected an index or slice", token);
                node = new ItemExpr(node, keys.Count == 1 ? keys[0] : new ListExpr(keys, IsTuple: true, token.Line), token.Line);
            }
            else if (token.IsOperator("("))
                node = new CallExpr(node, ParseCallArgs(), token.Line);
            else return node;
        }
    }

    private Expr ParseSubscribed()
    {
        int line = Current.Line;
        Expr? start = null;
        if (!Current.IsOperator(":"))
        {
            start = ParseExpression(withCondExpr: true);
            if (!Current.IsOperator(":")) return start;
        }
        Next();
        Expr? stop = Current.IsOperator(":") || Current.IsOperator("]") || Current.IsOperator(",") ? null : ParseExpression(withCondExpr: true);
        Expr? step = null;
        if (SkipOperator(":") && !Current.IsOperator("]") && !Current.IsOperator(","))
            step = ParseExpression(withCondExpr: true);
        return new SliceExpr(start, stop, step, line);
    }

    private ArgList ParseCallArgs()
    {
        var open = ExpectOperator("(");
        var args = new ArgList([], [], null, null);
        Expr? dynArgs = null, dynKwargs = null;
        bool requireComma = false;
        while (!Current.IsOperator(")"))
        {
            if (requireComma)
            {
                ExpectOperator(",");
                if (Current.IsOperator(")")) break;
            }
            if (SkipOperator("*"))
            {
                if (dynArgs is not null || dynKwargs is not null) throw Fail("invalid syntax for function call expression", open);
                dynArgs = ParseExpression(withCondExpr: true);
            }
            else if (SkipOperator("**"))
            {
                if (dynKwargs is not null) throw Fail("invalid syntax for function call expression", open);
                dynKwargs = ParseExpression(withCondExpr: true);
            }
            else if (Current.Kind == TokenKind.Name && Peek().IsOperator("="))
            {
                if (dynKwargs is not null) throw Fail("invalid syntax for function call expression", open);
                string key = Next().Text;
                Next();
                args.Named.Add(new(key, ParseExpression(withCondExpr: true)));
            }
            else
            {
                if (dynArgs is not null || dynKwargs is not null || args.Named.Count > 0)
                    throw Fail("invalid syntax for function call expression: positional argument after keyword argument", open);
                args.Positional.Add(ParseExpression(withCondExpr: true));
            }
            requireComma = true;
        }
        ExpectOperator(")");
        return args with { DynArgs = dynArgs, DynKwargs = dynKwargs };
    }

    private Expr ParseFilterExpr(Expr node)
    {
        while (true)
        {
            if (Current.IsOperator("|")) node = ParseFilter(node, startInline: false);
            else if (Current.IsName("is")) node = ParseTest(node);
            else if (Current.IsOperator("(")) { int line = Current.Line; node = new CallExpr(node, ParseCallArgs(), line); }
            else return node;
        }
    }

    private Expr ParseFilter(Expr? node, bool startInline)
    {
        while (Current.IsOperator("|") || startInline)
        {
            if (!startInline) Next();
            startInline = false;
            var name = ExpectName();
            string full = name.Text;
            while (SkipOperator(".")) full += "." + ExpectName().Text;
            var args = Current.IsOperator("(") ? ParseCallArgs() : ArgList.None;
            node = new FilterExpr(node, full, args, name.Line);
        }
        return node!;
    }

    private Expr ParseTest(Expr node)
    {
        var isToken = Next();
        bool negated = SkipName("not");
        string name = ExpectName().Text;
        while (SkipOperator(".")) name += "." + ExpectName().Text;
        ArgList args = ArgList.None;
        if (Current.IsOperator("(")) args = ParseCallArgs();
        else if ((Current.Kind is TokenKind.Name or TokenKind.String or TokenKind.Integer or TokenKind.Float
                  || Current.IsOperator("(") || Current.IsOperator("[") || Current.IsOperator("{"))
                 && !Current.IsName("else") && !Current.IsName("or") && !Current.IsName("and"))
        {
            if (Current.IsName("is")) throw Fail("You cannot chain multiple tests with is", Current);
            args = new ArgList([ParsePostfix(ParsePrimary())], [], null, null);
        }
        Expr test = new TestExpr(node, name, args, isToken.Line);
        return negated ? new UnaryExpr("not", test, isToken.Line) : test;
    }
}
