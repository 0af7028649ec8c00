// Python list or tuple in the template value model. Templates cannot mutate it (transformers renders
// in Jinja2's ImmutableSandboxedEnvironment, where list.append etc. are refused).
namespace Meridian.Tokenizers.Templates;

internal sealed class JinjaList(List<object?> items, bool isTuple = false)
{
    public static JinjaList Empty => new([]);

    public List<object?> Items { get; } = items;

    /// <summary>True for Python tuples: printed with parentheses and never equal to a list.</summary>
    public bool IsTuple { get; } = isTuple;

    public int Count => Items.Count;

    public object? this[int i] => Items[i];

    public static JinjaList Tuple(params object?[] items) => new([.. items], isTuple: true);
}
