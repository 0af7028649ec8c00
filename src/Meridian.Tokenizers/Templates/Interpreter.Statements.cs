// Statements: text, {{ output }}, if/elif/else, for (filtered, unpacking, else, break/continue,
// recursive), set (name, tuple, ns.attr, block form), macro, call blocks, filter blocks, with.
namespace Meridian.Tokenizers.Templates;

internal sealed partial class Interpreter
{
    private Flow ExecBlock(List<Stmt> body)
    {
        foreach (var stmt in body)
        {
            var flow = Exec(stmt);
            if (flow != Flow.Normal) return flow;
        }
        return Flow.Normal;
    }

    private Flow Exec(Stmt stmt)
    {
        try
        {
            return ExecCore(stmt);
        }
        catch (TemplateRuntimeError e) when (e.Line == 0)
        {
            e.Line = stmt.Line;
            throw;
        }
    }

    private Flow ExecCore(Stmt stmt)
    {
        switch (stmt)
        {
            case TextStmt text:
                Write(text.Text);
                return Flow.Normal;
            case OutputStmt output:
                Write(PyRepr.Str(Eval(output.Value)));
                return Flow.Normal;
            case IfStmt ifStmt:
                foreach (var (test, body) in ifStmt.Branches)
                    if (PyOps.Truthy(Eval(test)))
                        return ExecBlock(body);
                return ExecBlock(ifStmt.Else);
            case ForStmt forStmt:
                Write(RunLoop(forStmt, Eval(forStmt.Iter), depth0: 0, capture: false));
                return Flow.Normal;
            case SetStmt set:
                Assign(set.Target, Eval(set.Value));
                return Flow.Normal;
            case SetBlockStmt setBlock:
            {
                object? value = Capture(setBlock.Body);
                if (setBlock.Filter is not null) value = ApplyFilterChain(setBlock.Filter, value);
                Assign(setBlock.Target, value);
                return Flow.Normal;
            }
            case MacroStmt macro:
                _scope.Set(macro.Macro.Name, new Macro(macro.Macro, _scope));
                return Flow.Normal;
            case CallBlockStmt callBlock:
            {
                var caller = new Macro(callBlock.Caller, _scope);
                object? callee = Eval(callBlock.Call.Callee);
                var args = EvalArgs(callBlock.Call.Args);
                object? result = callee is Macro m
                    ? InvokeMacro(m, args, caller)
                    : Call(callee, new CallArgs(args.Positional, [.. args.Named, new("caller", caller)]));
                Write(PyRepr.Str(result));
                return Flow.Normal;
            }
            case FilterBlockStmt filterBlock:
            {
                string text = InScope(new Scope(_scope), () => Capture(filterBlock.Body));
                Write(PyRepr.Str(ApplyFilterChain(filterBlock.Filter, text)));
                return Flow.Normal;
            }
            case WithStmt with:
            {
                var scope = new Scope(_scope);
                var values = with.Assignments.Select(a => Eval(a.Value)).ToList();
                return InScope(scope, () =>
                {
                    for (int i = 0; i < values.Count; i++) Assign(with.Assignments[i].Key, values[i]);
                    return ExecBlock(with.Body);
                });
            }
            case BreakStmt:
                return Flow.Break;
            case ContinueStmt:
                return Flow.Continue;
            default:
                throw new InvalidOperationException($"unknown statement {stmt.GetType().Name}");
        }
    }

    /// <summary>Runs a for loop over <paramref name="iterable"/>; returns the text it rendered when capturing (recursive calls).</summary>
    private string RunLoop(ForStmt loop, object? iterable, int depth0, bool capture)
    {
        EnsureStack();
        var items = new List<object?>(PyOps.Iterate(iterable));
        var outer = _scope;
        if (loop.Filter is not null)
        {
            // `for x in xs if cond`: the condition sees the loop target but not `loop`.
            items = items.Where(item => InScope(new Scope(outer), () =>
            {
                Charge(1);
                Assign(loop.Target, item);
                return PyOps.Truthy(Eval(loop.Filter));
            })).ToList();
        }
        Func<object?, string>? recurse = loop.Recursive ? next => RunLoop(loop, next, depth0 + 1, capture: true) : null;
        var context = new LoopContext(items, depth0, recurse);
        var saved = _out;
        if (capture) _out = new System.Text.StringBuilder();
        try
        {
            for (int i = 0; i < items.Count; i++)
            {
                Charge(1);
                var scope = new Scope(outer);
                context.Index0 = i;
                var flow = InScope(scope, () =>
                {
                    Assign(loop.Target, items[i]);
                    scope.Set("loop", context);
                    return ExecBlock(loop.Body);
                });
                if (flow == Flow.Break) break;
            }
            if (items.Count == 0) InScope(new Scope(outer), () => ExecBlock(loop.Else));
            return capture ? _out.ToString() : "";
        }
        finally
        {
            if (capture) _out = saved;
        }
    }

    private void Assign(Expr target, object? value)
    {
        switch (target)
        {
            case NameExpr name:
                _scope.Set(name.Name, value);
                break;
            case ListExpr tuple:
            {
                if (!PyOps.IsIterable(value))
                    throw new TemplateRuntimeError($"TypeError: cannot unpack non-iterable {PyOps.TypeName(value)} object");
                var items = PyOps.Iterate(value);
                if (items.Count < tuple.Items.Count)
                    throw new TemplateRuntimeError($"ValueError: not enough values to unpack (expected {tuple.Items.Count}, got {items.Count})");
                if (items.Count > tuple.Items.Count)
                    throw new TemplateRuntimeError($"ValueError: too many values to unpack (expected {tuple.Items.Count})");
                for (int i = 0; i < items.Count; i++) Assign(tuple.Items[i], items[i]);
                break;
            }
            case AttrExpr { Target: NameExpr ns } attr:
                if (Lookup(ns.Name) is not JinjaNamespace space)
                    throw new TemplateRuntimeError("cannot assign attribute on non-namespace object");
                space.Attributes.Set(attr.Attr, value);
                break;
            default:
                throw new TemplateRuntimeError("can't assign to this target");
        }
    }

    private object? Lookup(string name) => _scope.TryLookup(name, out object? value) ? value : Undefined.ForName(name);

    /// <summary>Applies a chain of filters whose innermost Value is null to <paramref name="input"/>.</summary>
    private object? ApplyFilterChain(FilterExpr filter, object? input)
    {
        object? value = filter.Value is FilterExpr inner ? ApplyFilterChain(inner, input) : input;
        return ApplyFilter(filter.Name, value, EvalArgs(filter.Args));
    }
}
