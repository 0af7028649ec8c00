// Jinja2's default Undefined: prints as "", iterates as empty, is falsy and equal only to another
// Undefined; any other use (attribute, item, call, arithmetic, ordering) raises with its message.
namespace Meridian.Tokenizers.Templates;

internal sealed class Undefined
{
    private static readonly object NoObject = new();

    private Undefined(string? hint, object? obj, object? name)
    {
        Hint = hint;
        Obj = obj;
        Name = name;
    }

    /// <summary>An undefined value with no story (e.g. `a if false` without else).</summary>
    public static Undefined Plain { get; } = new(null, NoObject, null);

    public string? Hint { get; }
    public object? Obj { get; }
    public object? Name { get; }

    public static Undefined ForName(string name) => new(null, NoObject, name);

    public static Undefined ForAttribute(object? obj, object? name) => new(null, obj, name);

    public static Undefined WithHint(string hint) => new(hint, NoObject, null);

    /// <summary>Jinja2's wording, e.g. <c>'foo' is undefined</c>, <c>'dict object' has no attribute 'x'</c>.</summary>
    public string Message
    {
        get
        {
            if (Hint is not null) return Hint;
            if (ReferenceEquals(Obj, NoObject))
                return Name is null ? "value is undefined" : $"{PyRepr.Repr(Name)} is undefined";
            if (Name is not string)
                return $"{PyOps.ObjectTypeRepr(Obj)} has no element {PyRepr.Repr(Name)}";
            return $"{PyRepr.Repr(PyOps.ObjectTypeRepr(Obj))} has no attribute {PyRepr.Repr(Name)}";
        }
    }

    public TemplateRuntimeError Fail() => new(Message);
}
