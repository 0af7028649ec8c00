// Variables of one level of a render (the template, a loop iteration, a macro call, a with block);
// lookups walk outwards to the globals.
namespace Meridian.Tokenizers.Templates;

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
