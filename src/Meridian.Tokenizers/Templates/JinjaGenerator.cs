// What Jinja2's map/select/reject/selectattr/rejectattr/unique/batch/items/reverse filters return:
// a one-shot iterator, not a list. It is always truthy (so `{% if xs|select(...) %}` is true even
// when nothing matches, as in Jinja2), has no len(), cannot be indexed, and is empty once consumed.
namespace Meridian.Tokenizers.Templates;

internal sealed class JinjaGenerator(List<object?> items, string typeName = "generator")
{
    private bool _consumed;

    /// <summary>Python type name used in error messages, e.g. "generator", "dict_itemiterator".</summary>
    public string TypeName => typeName;

    /// <summary>The remaining items; iterating a generator exhausts it.</summary>
    public List<object?> Consume()
    {
        if (_consumed) return [];
        _consumed = true;
        return items;
    }
}
