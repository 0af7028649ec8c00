// Python dict in the template value model: insertion-ordered, keys compared with Python equality
// (1 == 1.0 == True), unhashable keys (lists, dicts) refused with Python's TypeError wording.
namespace Meridian.Tokenizers.Templates;

internal sealed class JinjaDict
{
    private readonly Dictionary<object, int> _index = new(PyKeyComparer.Instance);
    private readonly List<KeyValuePair<object?, object?>> _entries = [];

    public int Count => _entries.Count;

    /// <summary>Entries in insertion order.</summary>
    public IReadOnlyList<KeyValuePair<object?, object?>> Entries => _entries;

    public IEnumerable<object?> Keys => _entries.Select(e => e.Key);

    public bool TryGetValue(object? key, out object? value)
    {
        if (_index.TryGetValue(PyKeyComparer.Wrap(key), out int i))
        {
            value = _entries[i].Value;
            return true;
        }
        value = null;
        return false;
    }

    public bool ContainsKey(object? key) => _index.ContainsKey(PyKeyComparer.Wrap(key));

    /// <summary>Adds or overwrites; an overwritten key keeps its position, as in Python.</summary>
    public void Set(object? key, object? value)
    {
        object wrapped = PyKeyComparer.Wrap(key);
        if (_index.TryGetValue(wrapped, out int i))
        {
            _entries[i] = new(_entries[i].Key, value);
            return;
        }
        _index.Add(wrapped, _entries.Count);
        _entries.Add(new(key, value));
    }
}

/// <summary>Hashing and equality of dict keys with Python semantics; null (None) is wrapped.</summary>
internal sealed class PyKeyComparer : IEqualityComparer<object>
{
    public static readonly PyKeyComparer Instance = new();
    private static readonly object NoneKey = new();

    public static object Wrap(object? key)
    {
        CheckHashable(key);
        return key ?? NoneKey;
    }

    private static object? Unwrap(object key) => ReferenceEquals(key, NoneKey) ? null : key;

    public new bool Equals(object? x, object? y) => PyOps.Equal(Unwrap(x!), Unwrap(y!));

    public int GetHashCode(object obj) => Hash(Unwrap(obj));

    private static int Hash(object? v) => v switch
    {
        null => 0x5eed,
        bool b => b ? 1 : 0,
        long l => l.GetHashCode(),
        double d => d == Math.Floor(d) && Math.Abs(d) < 9.2e18 ? ((long)d).GetHashCode() : d.GetHashCode(),
        string s => string.GetHashCode(s, StringComparison.Ordinal),
        JinjaList t => HashTuple(t),
        Undefined => 0x0dd,
        _ => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(v),
    };

    private static int HashTuple(JinjaList t)
    {
        PyOps.EnsureStack();
        return t.Items.Aggregate(17, (h, x) => h * 31 + Hash(x));
    }

    private static void CheckHashable(object? key)
    {
        PyOps.EnsureStack();
        switch (key)
        {
            case JinjaList { IsTuple: false }:
            case JinjaDict:
                throw new TemplateRuntimeError($"TypeError: unhashable type: '{PyOps.TypeName(key)}'");
            case JinjaList t:
                foreach (object? item in t.Items) CheckHashable(item);
                break;
        }
    }
}
