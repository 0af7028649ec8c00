// Things a template can call: built-in globals (range, namespace, raise_exception, ...), bound
// methods of str/dict/list values, loop.cycle, and macros. No .NET object is ever reachable.
namespace Meridian.Tokenizers.Templates;

internal abstract class JinjaCallable
{
    public abstract string Name { get; }

    public abstract object? Invoke(Interpreter interpreter, CallArgs args);
}

internal sealed class BuiltinFunction(string name, Func<Interpreter, CallArgs, object?> body) : JinjaCallable
{
    public override string Name => name;

    public override object? Invoke(Interpreter interpreter, CallArgs args) => body(interpreter, args);
}

/// <summary>`value.method` looked up but not yet called, e.g. <c>content.strip</c>.</summary>
internal sealed class BoundMethod(object target, string name) : JinjaCallable
{
    public object Target => target;

    public override string Name => name;

    public override object? Invoke(Interpreter interpreter, CallArgs args) => interpreter.CallMethod(target, name, args);
}
