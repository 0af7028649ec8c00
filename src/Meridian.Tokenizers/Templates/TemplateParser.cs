// Recursive-descent parser for the Jinja subset of chat templates, following jinja2/parser.py (BSD):
// statements here, expressions in TemplateParser.Expressions.cs. Syntax errors carry line and column.
using System.Runtime.CompilerServices;

namespace Meridian.Tokenizers.Templates;

internal sealed partial class TemplateParser
{
    /// <summary>Deepest nesting of tags and parentheses accepted; a hostile template gets an error, not a stack overflow.</summary>
    public const int MaxNesting = 128;

    private static readonly HashSet<string> Unsupported = ["block", "extends", "include", "import", "from", "autoescape", "do"];

    private readonly List<Token> _tokens;
    private readonly string _source;
    private readonly string? _name;
    private readonly Stack<HashSet<string>> _macroNames = new(); // names used in each macro body being parsed
    private readonly Stack<Token> _openTagTokens = new(); // tag names of the statements being parsed, innermost on top
    private int _pos;
    private int _depth;
    private int _loopDepth;

    private TemplateParser(List<Token> tokens, string source, string? name)
    {
        _tokens = tokens;
        _source = source;
        _name = name;
    }

    public static List<Stmt> Parse(string source, string? name, bool trimBlocks, bool lstripBlocks, bool keepTrailingNewline)
    {
        string normalized = TemplateLexer.Normalize(source, keepTrailingNewline);
        var tokens = TemplateLexer.Tokenize(normalized, name, trimBlocks, lstripBlocks);
        return new TemplateParser(tokens, normalized, name).Subparse(null);
    }

    private Token Current => _tokens[_pos];

    private Token Peek(int ahead = 1) => _tokens[Math.Min(_pos + ahead, _tokens.Count - 1)];

    private Token Next()
    {
        var t = _tokens[_pos];
        if (_pos < _tokens.Count - 1) _pos++;
        return t;
    }

    private Token Expect(TokenKind kind, string what)
    {
        if (Current.Kind != kind) throw Fail($"expected token '{what}', got '{Current.Describe()}'", Current);
        return Next();
    }

    private Token ExpectOperator(string op)
    {
        if (!Current.IsOperator(op)) throw Fail($"expected token '{op}', got '{Current.Describe()}'", Current);
        return Next();
    }

    private Token ExpectName(string? name = null)
    {
        if (Current.Kind != TokenKind.Name || (name is not null && Current.Text != name))
            throw Fail($"expected token '{name ?? "name"}', got '{Current.Describe()}'", Current);
        return Next();
    }

    private bool SkipOperator(string op)
    {
        if (!Current.IsOperator(op)) return false;
        Next();
        return true;
    }

    private bool SkipName(string name)
    {
        if (!Current.IsName(name)) return false;
        Next();
        return true;
    }

    internal TemplateException Fail(string reason, Token at)
    {
        int lineStart = at.Pos <= 0 ? 0 : _source.LastIndexOf('\n', Math.Min(at.Pos, _source.Length) - 1) + 1;
        return new TemplateException(reason, _name, at.Line, at.Pos - lineStart + 1);
    }

    private void Enter(Token at)
    {
        if (++_depth > MaxNesting || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
            throw Fail($"template nesting exceeds {MaxNesting} levels", at);
    }

    private void Leave() => _depth--;

    private List<Stmt> Subparse(string[]? endTags)
    {
        var body = new List<Stmt>();
        while (true)
        {
            var token = Current;
            switch (token.Kind)
            {
                case TokenKind.Data:
                    body.Add(new TextStmt(token.Text, token.Line));
                    Next();
                    break;
                case TokenKind.VariableBegin:
                    Next();
                    body.Add(new OutputStmt(ParseTuple(withCondExpr: true), token.Line));
                    Expect(TokenKind.VariableEnd, "end of print statement");
                    break;
                case TokenKind.BlockBegin:
                    Next();
                    if (endTags is not null && Current.Kind == TokenKind.Name && endTags.Contains(Current.Text))
                        return body;
                    ParseStatement(body);
                    Expect(TokenKind.BlockEnd, "end of statement block");
                    break;
                case TokenKind.Eof:
                    if (endTags is not null)
                        throw FailEof(endTags);
                    return body;
                default:
                    throw Fail($"unexpected '{token.Describe()}'", token);
            }
        }
    }

    private TemplateException FailEof(string[] endTags)
    {
        string expected = string.Join(" or ", endTags.Select(t => $"'{t}'"));
        var open = _openTagTokens.Count > 0 ? _openTagTokens.Peek() : Current;
        return Fail($"unexpected end of template: the '{open.Text}' tag is never closed (looking for {expected})", open);
    }

    /// <summary>`{% tag ... %}` up to (not including) its closing block end; appends to <paramref name="body"/>.</summary>
    private void ParseStatement(List<Stmt> body)
    {
        var token = Current;
        if (token.Kind != TokenKind.Name) throw Fail("tag name expected", token);
        Enter(token);
        _openTagTokens.Push(token);
        try
        {
            switch (token.Text)
            {
                case "if": body.Add(ParseIf()); break;
                case "for": body.Add(ParseFor()); break;
                case "set": body.Add(ParseSet()); break;
                case "macro": body.Add(ParseMacro()); break;
                case "call": body.Add(ParseCallBlock()); break;
                case "filter": body.Add(ParseFilterBlock()); break;
                case "with": body.Add(ParseWith()); break;
                case "generation":
                    Next();
                    body.Add(new WithStmt([], ParseStatements(["endgeneration"], dropNeedle: true), token.Line));
                    break;
                case "print":
                    Next();
                    body.Add(new OutputStmt(ParseTuple(withCondExpr: true), token.Line));
                    break;
                case "break" or "continue":
                    if (_loopDepth == 0) throw Fail($"'{token.Text}' outside of a loop", token);
                    Next();
                    body.Add(token.Text == "break" ? new BreakStmt(token.Line) : new ContinueStmt(token.Line));
                    break;
                default:
                    if (Unsupported.Contains(token.Text))
                        throw Fail($"the '{token.Text}' tag is not supported in chat templates", token);
                    throw Fail($"Encountered unknown tag '{token.Text}'." + (_openTagTokens.Count > 1 ? $" The innermost block that needs to be closed is '{_openTagTokens.ElementAt(1).Text}'." : ""), token);
            }
        }
        finally
        {
            _openTagTokens.Pop();
            Leave();
        }
    }

    /// <summary>Block end, then a body up to one of <paramref name="endTags"/>; with dropNeedle the end tag name is consumed.</summary>
    private List<Stmt> ParseStatements(string[] endTags, bool dropNeedle)
    {
        SkipOperator(":");
        Expect(TokenKind.BlockEnd, "end of statement block");
        var body = Subparse(endTags);
        if (Current.Kind == TokenKind.Eof) throw FailEof(endTags);
        if (dropNeedle) Next();
        return body;
    }

    private IfStmt ParseIf()
    {
        int line = ExpectName("if").Line;
        var branches = new List<KeyValuePair<Expr, List<Stmt>>>();
        List<Stmt> elseBody = [];
        while (true)
        {
            var test = ParseTuple(withCondExpr: false);
            branches.Add(new(test, ParseStatements(["elif", "else", "endif"], dropNeedle: false)));
            var token = Next();
            if (token.Text == "elif") continue;
            if (token.Text == "else") elseBody = ParseStatements(["endif"], dropNeedle: true);
            break;
        }
        return new IfStmt(branches, elseBody, line);
    }

    private ForStmt ParseFor()
    {
        int line = ExpectName("for").Line;
        var target = ParseAssignTarget(withTuple: true, extraEnd: "in", withNamespace: false);
        ExpectName("in");
        var iter = ParseTuple(withCondExpr: false, extraEnd: "recursive");
        Expr? filter = SkipName("if") ? ParseExpression(withCondExpr: true) : null;
        bool recursive = SkipName("recursive");
        _loopDepth++;
        var body = ParseStatements(["endfor", "else"], dropNeedle: false);
        _loopDepth--;
        List<Stmt> elseBody = Next().Text == "endfor" ? [] : ParseStatements(["endfor"], dropNeedle: true);
        return new ForStmt(target, iter, filter, body, elseBody, recursive, line);
    }

    private Stmt ParseSet()
    {
        int line = ExpectName("set").Line;
        var target = ParseAssignTarget(withTuple: true, extraEnd: null, withNamespace: true);
        if (SkipOperator("="))
            return new SetStmt(target, ParseTuple(withCondExpr: true), line);
        var filter = Current.IsOperator("|") ? (FilterExpr)ParseFilter(null, startInline: false) : null;
        return new SetBlockStmt(target, filter, ParseStatements(["endset"], dropNeedle: true), line);
    }

    private MacroStmt ParseMacro()
    {
        int line = ExpectName("macro").Line;
        string name = ExpectName().Text;
        return new MacroStmt(ParseMacroBody(name, "endmacro", line), line);
    }

    private CallBlockStmt ParseCallBlock()
    {
        var callToken = ExpectName("call");
        List<string> parameters = [];
        List<Expr> defaults = [];
        if (Current.IsOperator("(")) (parameters, defaults) = ParseSignature();
        if (ParseExpression(withCondExpr: true) is not CallExpr call) throw Fail("expected call", callToken);
        var caller = ParseMacroBody("caller", "endcall", callToken.Line, parameters, defaults);
        return new CallBlockStmt(call, caller, callToken.Line);
    }

    private MacroDef ParseMacroBody(string name, string endTag, int line, List<string>? parameters = null, List<Expr>? defaults = null)
    {
        if (parameters is null) (parameters, defaults) = ParseSignature();
        _macroNames.Push([]);
        int savedLoops = _loopDepth;
        _loopDepth = 0;
        var body = ParseStatements([endTag], dropNeedle: true);
        _loopDepth = savedLoops;
        var used = _macroNames.Pop();
        return new MacroDef(name, parameters, defaults!, body, used.Contains("varargs"), used.Contains("kwargs"), used.Contains("caller"), line);
    }

    private (List<string>, List<Expr>) ParseSignature()
    {
        var parameters = new List<string>();
        var defaults = new List<Expr>();
        ExpectOperator("(");
        while (!Current.IsOperator(")"))
        {
            if (parameters.Count > 0) ExpectOperator(",");
            var name = ExpectName();
            if (SkipOperator("=")) defaults.Add(ParseExpression(withCondExpr: true));
            else if (defaults.Count > 0) throw Fail("non-default argument follows default argument", name);
            parameters.Add(name.Text);
        }
        ExpectOperator(")");
        return (parameters, defaults);
    }

    private FilterBlockStmt ParseFilterBlock()
    {
        int line = ExpectName("filter").Line;
        var filter = (FilterExpr)ParseFilter(null, startInline: true);
        return new FilterBlockStmt(filter, ParseStatements(["endfilter"], dropNeedle: true), line);
    }

    private WithStmt ParseWith()
    {
        int line = ExpectName("with").Line;
        var assignments = new List<KeyValuePair<Expr, Expr>>();
        while (Current.Kind != TokenKind.BlockEnd)
        {
            if (assignments.Count > 0) ExpectOperator(",");
            var target = ParseAssignTarget(withTuple: true, extraEnd: null, withNamespace: false);
            ExpectOperator("=");
            assignments.Add(new(target, ParseExpression(withCondExpr: true)));
        }
        return new WithStmt(assignments, ParseStatements(["endwith"], dropNeedle: true), line);
    }

    /// <summary>A name, `ns.attr` (set only), or a tuple of names; constants such as `true` cannot be assigned.</summary>
    private Expr ParseAssignTarget(bool withTuple, string? extraEnd, bool withNamespace)
    {
        Expr target;
        if (withNamespace && Current.Kind == TokenKind.Name && Peek().IsOperator("."))
        {
            var ns = Next();
            Next();
            var attr = ExpectName();
            target = new AttrExpr(new NameExpr(ns.Text, ns.Line), attr.Text, ns.Line);
        }
        else
        {
            var at = Current;
            target = withTuple ? ParseTuple(withCondExpr: true, extraEnd: extraEnd, simplified: true) : ParsePrimary();
            if (!CanAssign(target)) throw Fail($"can't assign to '{DescribeTarget(target)}'", at);
        }
        return target;
    }

    private static bool CanAssign(Expr e) => e switch
    {
        NameExpr n => n.Name is not ("true" or "false" or "none" or "True" or "False" or "None"),
        ListExpr { IsTuple: true } t => t.Items.All(CanAssign),
        _ => false,
    };

    private static string DescribeTarget(Expr e) => e switch
    {
        ConstExpr => "const",
        ListExpr { IsTuple: false } => "list",
        ListExpr => "tuple",
        _ => e.GetType().Name.Replace("Expr", "", StringComparison.Ordinal).ToLowerInvariant(),
    };
}
