// What Jinja2's map/select/reject/selectattr/rejectattr/unique/batch/items filters return: a lazy one-shot
// generator. Always truthy (`{% if xs|select(...) %}` is true even when nothing matches, as in Jinja2),
// no len(), no indexing; items (and errors) are computed when iterated, and it is empty once consumed.
namespace Meridian.Tokenizers.Templates;

internal sealed class JinjaGenerator(Func<List<object?>> produce, string typeName = "generator")
{
    private bool _consumed;

    /// <summary>Python type name used in error messages, e.g. "generator", "list_reverseiterator".</summary>
    public string TypeName => typeName;

    /// <summary>The remaining items; iterating a generator exhausts it.</summary>
    public List<object?> Consume()
    {
        if (_consumed) return [];
        _consumed = true;
        return produce();
    }
}
