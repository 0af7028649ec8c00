// The `loop` variable inside {% for %}: index/index0/revindex/revindex0/first/last/length,
// previtem/nextitem (Undefined at the ends), depth/depth0, cycle(...), changed(...), and for
// `recursive` loops, loop(children) to render the body again one level deeper.
namespace Meridian.Tokenizers.Templates;

internal sealed class LoopContext(List<object?> items, int depth0, Func<object?, string>? recurse)
{
    private List<object?>? _lastChanged;

    public int Index0 { get; set; }

    public int Length => items.Count;

    public bool IsRecursive => recurse is not null;

    public string Recurse(object? iterable) => recurse!(iterable);

    public object? GetAttribute(string name) => name switch
    {
        "index" => (long)Index0 + 1,
        "index0" => (long)Index0,
        "revindex" => (long)(items.Count - Index0),
        "revindex0" => (long)(items.Count - Index0 - 1),
        "first" => Index0 == 0,
        "last" => Index0 == items.Count - 1,
        "length" => (long)items.Count,
        "depth" => (long)depth0 + 1,
        "depth0" => (long)depth0,
        "previtem" => Index0 > 0 ? items[Index0 - 1] : Undefined.WithHint("there is no previous item"),
        "nextitem" => Index0 + 1 < items.Count ? items[Index0 + 1] : Undefined.WithHint("there is no next item"),
        "cycle" => new BuiltinFunction("cycle", (_, args) =>
        {
            if (args.Positional.Count == 0) throw new TemplateRuntimeError("TypeError: no items for cycling given");
            return args.Positional[Index0 % args.Positional.Count];
        }),
        "changed" => new BuiltinFunction("changed", (_, args) =>
        {
            if (_lastChanged is not null && PyOps.Equal(new JinjaList(_lastChanged), new JinjaList(args.Positional))) return false;
            _lastChanged = args.Positional;
            return true;
        }),
        _ => Undefined.ForAttribute(this, name),
    };
}
