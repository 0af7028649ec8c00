// Arguments of a call, filter or test: positional and keyword, plus Python-style binding to a
// parameter list with defaults and the usual "unexpected keyword argument" errors.
namespace Meridian.Tokenizers.Templates;

internal readonly struct CallArgs(List<object?> positional, List<KeyValuePair<string, object?>> named)
{
    /// <summary>Marks a parameter without a default in <see cref="Bind"/>.</summary>
    public static readonly object Required = new();

    public static CallArgs Empty => new([], []);

    public List<object?> Positional { get; } = positional;

    public List<KeyValuePair<string, object?>> Named { get; } = named;

    public int Count => Positional.Count + Named.Count;

    public static CallArgs Of(params object?[] positional) => new([.. positional], []);

    /// <summary>Binds to <paramref name="names"/> like a Python signature; returns one value per name.</summary>
    public object?[] Bind(string function, string[] names, object?[] defaults)
    {
        if (Positional.Count > names.Length)
            throw new TemplateRuntimeError($"TypeError: {function}() takes at most {names.Length} argument(s) ({Positional.Count} given)");
        var values = new object?[names.Length];
        var set = new bool[names.Length];
        for (int i = 0; i < Positional.Count; i++)
        {
            values[i] = Positional[i];
            set[i] = true;
        }
        foreach (var (key, value) in Named)
        {
            int i = Array.IndexOf(names, key);
            if (i < 0)
                throw new TemplateRuntimeError($"TypeError: {function}() got an unexpected keyword argument '{key}'");
            if (set[i])
                throw new TemplateRuntimeError($"TypeError: {function}() got multiple values for argument '{key}'");
            values[i] = value;
            set[i] = true;
        }
        for (int i = 0; i < names.Length; i++)
        {
            if (set[i]) continue;
            if (ReferenceEquals(defaults[i], Required))
                throw new TemplateRuntimeError($"TypeError: {function}() missing required argument '{names[i]}'");
            values[i] = defaults[i];
        }
        return values;
    }
}
