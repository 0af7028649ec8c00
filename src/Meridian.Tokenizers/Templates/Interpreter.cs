// Tree-walking interpreter for parsed chat templates: scopes, output, limits, error lines; the rest is in
// partial files by concern. Scoping follows Jinja2: for-loop iterations, macro calls and with-blocks get
// a fresh scope (`set` in a loop does not leak; namespace() is the way out); if-blocks do not.
using System.Runtime.CompilerServices;
using System.Text;

namespace Meridian.Tokenizers.Templates;

internal sealed partial class Interpreter
{
    private readonly string? _name;
    private readonly ChatTemplateOptions _options;
    private StringBuilder _out = new();
    private Scope _scope;
    private long _steps;
    private int _callDepth;

    public Interpreter(string? name, ChatTemplateOptions options, IReadOnlyDictionary<string, object?> variables)
    {
        _name = name;
        _options = options;
        var globals = new Scope(null);
        AddGlobals(globals);
        _scope = new Scope(globals);
        foreach (var (key, value) in variables)
            _scope.Set(key, ValueConverter.FromDotNet(value, key));
    }

    public string Render(List<Stmt> body)
    {
        try
        {
            ExecBlock(body);
            return _out.ToString();
        }
        catch (TemplateRaiseSignal raise)
        {
            throw new TemplateRaiseException(raise.Message, _name, raise.Line);
        }
        catch (TemplateRuntimeError error)
        {
            throw new TemplateException(error.Message, _name, error.Line);
        }
    }

    private enum Flow { Normal, Break, Continue }

    /// <summary>Counts work (loop iterations, items visited by filters) against <see cref="ChatTemplateOptions.MaxSteps"/>.</summary>
    internal void Charge(long units)
    {
        _steps += units;
        if (_steps > _options.MaxSteps)
            throw new TemplateRuntimeError($"the template exceeded its budget of {_options.MaxSteps} steps (loop iterations and items processed); is it looping without end?");
    }

    private void Write(string text)
    {
        _out.Append(text);
        if (_out.Length > _options.MaxOutputLength)
            throw new TemplateRuntimeError($"the rendered text exceeds the limit of {_options.MaxOutputLength} characters");
    }

    /// <summary>Runs <paramref name="body"/> with output going to a fresh buffer and returns that text.</summary>
    private string Capture(List<Stmt> body)
    {
        var saved = _out;
        _out = new StringBuilder();
        try
        {
            ExecBlock(body);
            return _out.ToString();
        }
        finally
        {
            _out = saved;
        }
    }

    private T InScope<T>(Scope scope, Func<T> action)
    {
        var saved = _scope;
        _scope = scope;
        try { return action(); }
        finally { _scope = saved; }
    }

    private static void EnsureStack()
    {
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
            throw new TemplateRuntimeError("RecursionError: the template nests too deeply for the stack");
    }

    internal object? InvokeMacro(Macro macro, CallArgs args, Macro? caller)
    {
        var def = macro.Definition;
        if (++_callDepth > _options.MaxRecursionDepth)
            throw new TemplateRuntimeError($"RecursionError: macro calls nest deeper than {_options.MaxRecursionDepth} levels");
        EnsureStack();
        try
        {
            var scope = new Scope(macro.Closure);
            int n = def.Parameters.Count;
            var bound = new bool[n];
            for (int i = 0; i < Math.Min(n, args.Positional.Count); i++)
            {
                scope.Set(def.Parameters[i], args.Positional[i]);
                bound[i] = true;
            }
            var varargs = args.Positional.Skip(n).ToList();
            if (varargs.Count > 0 && !def.CatchVarargs)
                throw new TemplateRuntimeError($"TypeError: macro '{def.Name}' takes not more than {n} argument(s)");
            var kwargs = new JinjaDict();
            foreach (var (key, value) in args.Named)
            {
                int i = def.Parameters.IndexOf(key);
                if (i >= 0)
                {
                    if (bound[i]) throw new TemplateRuntimeError($"TypeError: macro '{def.Name}' got multiple values for argument '{key}'");
                    scope.Set(key, value);
                    bound[i] = true;
                }
                else if (key == "caller" && def.UsesCaller) caller = value as Macro ?? caller;
                else if (def.CatchKwargs) kwargs.Set(key, value);
                else throw new TemplateRuntimeError($"TypeError: macro '{def.Name}' takes no keyword argument '{key}'");
            }
            scope.Set("varargs", new JinjaList(varargs, isTuple: true));
            scope.Set("kwargs", kwargs);
            if (caller is not null) scope.Set("caller", caller);
            else if (def.UsesCaller) scope.Set("caller", Undefined.WithHint($"No caller defined for macro '{def.Name}'"));
            return InScope(scope, () =>
            {
                // Defaults are evaluated at call time in the macro's scope, so they may use earlier parameters.
                for (int i = 0; i < n; i++)
                {
                    if (bound[i]) continue;
                    var defaultExpr = def.DefaultFor(i);
                    scope.Set(def.Parameters[i], defaultExpr is null
                        ? Undefined.WithHint($"parameter {PyRepr.Repr(def.Parameters[i])} was not provided")
                        : Eval(defaultExpr));
                }
                return Capture(def.Body);
            });
        }
        finally
        {
            _callDepth--;
        }
    }
}
