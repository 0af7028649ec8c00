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
