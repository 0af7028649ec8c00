// A {% macro %} (or the body of a {% call %} block, bound as `caller`) together with the scope it
// was defined in; calling it renders its body in a fresh scope and returns the text.
namespace Meridian.Tokenizers.Templates;

internal sealed class Macro(MacroDef definition, Scope closure) : JinjaCallable
{
    public MacroDef Definition => definition;

    public Scope Closure => closure;

    public override string Name => definition.Name;

    public override object? Invoke(Interpreter interpreter, CallArgs args) => interpreter.InvokeMacro(this, args, caller: null);
}

/// <summary>One level of variables: a template, a loop iteration, a macro call, a with block.</summary>
internal sealed class Scope(Scope? parent)
{
    private readonly Dictionary<string, object?> _vars = new(StringComparer.Ordinal);

    public Scope? Parent => parent;

    public bool TryLookup(string name, out object? value)
    {
        for (var s = this; s is not null; s = s.Parent)
            if (s._vars.TryGetValue(name, out value)) return true;
        value = null;
        return false;
    }

    public void Set(string name, object? value) => _vars[name] = value;
}
