// The syntax tree the parser builds and the interpreter walks; node shapes follow Jinja2's
// (jinja2/nodes.py): expressions, then statements. Line is the 1-based template line of the node.
namespace Meridian.Tokenizers.Templates;

internal abstract record Expr(int Line);

internal sealed record ConstExpr(object? Value, int Line) : Expr(Line);

internal sealed record NameExpr(string Name, int Line) : Expr(Line);

internal sealed record ListExpr(List<Expr> Items, bool IsTuple, int Line) : Expr(Line);

internal sealed record DictExpr(List<KeyValuePair<Expr, Expr>> Items, int Line) : Expr(Line);

/// <summary>`target.attr`: attribute first, then item (Jinja2's environment.getattr).</summary>
internal sealed record AttrExpr(Expr Target, string Attr, int Line) : Expr(Line);

/// <summary>`target[key]`: item first, then attribute for string keys (environment.getitem).</summary>
internal sealed record ItemExpr(Expr Target, Expr Key, int Line) : Expr(Line);

internal sealed record SliceExpr(Expr? Start, Expr? Stop, Expr? Step, int Line) : Expr(Line);

internal sealed record ArgList(List<Expr> Positional, List<KeyValuePair<string, Expr>> Named, Expr? DynArgs, Expr? DynKwargs)
{
    public static ArgList None => new([], [], null, null);
}

internal sealed record CallExpr(Expr Callee, ArgList Args, int Line) : Expr(Line);

/// <summary>`value | name(args)`; Value is null for the innermost filter of a filter block or block set.</summary>
internal sealed record FilterExpr(Expr? Value, string Name, ArgList Args, int Line) : Expr(Line);

internal sealed record TestExpr(Expr Value, string Name, ArgList Args, int Line) : Expr(Line);

/// <summary>Op is "-", "+" or "not".</summary>
internal sealed record UnaryExpr(string Op, Expr Operand, int Line) : Expr(Line);

/// <summary>Op is one of + - * / // % ** and or.</summary>
internal sealed record BinaryExpr(string Op, Expr Left, Expr Right, int Line) : Expr(Line);

/// <summary>Chained comparison `a < b <= c`; ops are == != < <= > >= in notin.</summary>
internal sealed record CompareExpr(Expr First, List<KeyValuePair<string, Expr>> Rest, int Line) : Expr(Line);

/// <summary>`a ~ b ~ c`: str() of each part, joined.</summary>
internal sealed record ConcatExpr(List<Expr> Parts, int Line) : Expr(Line);

/// <summary>`then if test else otherwise`; a missing else gives Undefined.</summary>
internal sealed record CondExpr(Expr Test, Expr Then, Expr? Else, int Line) : Expr(Line);

internal abstract record Stmt(int Line);

internal sealed record TextStmt(string Text, int Line) : Stmt(Line);

internal sealed record OutputStmt(Expr Value, int Line) : Stmt(Line);

internal sealed record IfStmt(List<KeyValuePair<Expr, List<Stmt>>> Branches, List<Stmt> Else, int Line) : Stmt(Line);

internal sealed record ForStmt(Expr Target, Expr Iter, Expr? Filter, List<Stmt> Body, List<Stmt> Else, bool Recursive, int Line) : Stmt(Line);

/// <summary>Target is a NameExpr, a ListExpr (tuple) of names, or an AttrExpr on a namespace name.</summary>
internal sealed record SetStmt(Expr Target, Expr Value, int Line) : Stmt(Line);

internal sealed record SetBlockStmt(Expr Target, FilterExpr? Filter, List<Stmt> Body, int Line) : Stmt(Line);

internal sealed record MacroDef(string Name, List<string> Parameters, List<Expr> Defaults, List<Stmt> Body, bool CatchVarargs, bool CatchKwargs, bool UsesCaller, int Line)
{
    /// <summary>Defaults belong to the last Defaults.Count parameters, as in Python.</summary>
    public Expr? DefaultFor(int i) => i >= Parameters.Count - Defaults.Count ? Defaults[i - (Parameters.Count - Defaults.Count)] : null;
}

internal sealed record MacroStmt(MacroDef Macro, int Line) : Stmt(Line);

internal sealed record CallBlockStmt(CallExpr Call, MacroDef Caller, int Line) : Stmt(Line);

internal sealed record FilterBlockStmt(FilterExpr Filter, List<Stmt> Body, int Line) : Stmt(Line);

/// <summary>`{% with a = 1 %}` (and `{% generation %}`, which is a with-block without targets).</summary>
internal sealed record WithStmt(List<KeyValuePair<Expr, Expr>> Assignments, List<Stmt> Body, int Line) : Stmt(Line);

internal sealed record BreakStmt(int Line) : Stmt(Line);

internal sealed record ContinueStmt(int Line) : Stmt(Line);
