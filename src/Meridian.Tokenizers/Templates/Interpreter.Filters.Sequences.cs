// Filters over sequences and mappings (jinja2/filters.py): join, first/last, list, items,
// map/select/reject/selectattr/rejectattr (returning one-shot generators, as Jinja2 does), unique,
// sort/dictsort (stable, case-insensitive by default), reverse, batch, sum, min, max.
namespace Meridian.Tokenizers.Templates;

internal sealed partial class Interpreter
{
    private object? ApplySequenceFilter(string name, object? value, CallArgs args)
    {
        switch (name)
        {
            case "join":
            {
                var p = args.Bind(name, ["d", "attribute"], ["", null]);
                var items = Items(value);
                if (p[1] is not null) items = items.Select(AttrGetter(p[1], null)).ToList();
                string result = string.Join(PyRepr.Str(p[0]), items.Select(PyRepr.Str));
                PyOps.CheckSize(result.Length);
                return result;
            }
            case "first":
            {
                args.Bind(name, [], []);
                var items = Items(value);
                return items.Count > 0 ? items[0] : Undefined.WithHint("No first item, sequence was empty.");
            }
            case "last":
            {
                args.Bind(name, [], []);
                if (value is JinjaGenerator) throw new TemplateRuntimeError("TypeError: 'generator' object is not reversible");
                var items = Items(value);
                return items.Count > 0 ? items[^1] : Undefined.WithHint("No last item, sequence was empty.");
            }
            case "list": args.Bind(name, [], []); return new JinjaList([.. Items(value)]);
            case "items":
                args.Bind(name, [], []);
                return new JinjaGenerator(() =>
                {
                    if (value is Undefined) return [];
                    if (value is not JinjaDict dict) throw new TemplateRuntimeError("TypeError: Can only get item pairs from a mapping.");
                    return dict.Entries.Select(e => (object?)JinjaList.Tuple(e.Key, e.Value)).ToList();
                });
            case "map": return new JinjaGenerator(() => Map(value, args));
            case "select" or "reject" or "selectattr" or "rejectattr":
                return new JinjaGenerator(() => SelectOrReject(value, args, name.StartsWith("select", StringComparison.Ordinal), name.EndsWith("attr", StringComparison.Ordinal)));
            case "unique":
            {
                var p = args.Bind(name, ["case_sensitive", "attribute"], [false, null]);
                return new JinjaGenerator(() =>
                {
                    var getter = AttrGetter(p[1], PyOps.Truthy(p[0]) ? null : IgnoreCase);
                    var seen = new JinjaDict();
                    var result = new List<object?>();
                    foreach (object? item in Items(value))
                    {
                        object? key = getter(item);
                        if (seen.ContainsKey(key)) continue;
                        seen.Set(key, null);
                        result.Add(item);
                    }
                    return result;
                });
            }
            case "sort":
            {
                var p = args.Bind(name, ["reverse", "case_sensitive", "attribute"], [false, false, null]);
                var getters = (p[2] is string attrs ? attrs.Split(',').Select(a => (object?)a.Trim()) : [p[2]])
                    .Select(a => AttrGetter(a, PyOps.Truthy(p[1]) ? null : IgnoreCase)).ToList();
                var keyed = Items(value).Select(item => (Item: item, Key: (object?)new JinjaList(getters.Select(g => g(item)).ToList()))).ToList();
                return new JinjaList(StableSort(keyed, PyOps.Truthy(p[0])).Select(k => k.Item).ToList());
            }
            case "dictsort":
            {
                var p = args.Bind(name, ["case_sensitive", "by", "reverse"], [false, "key", false]);
                int pos = (p[1] as string) switch
                {
                    "key" => 0,
                    "value" => 1,
                    _ => throw new TemplateRuntimeError("FilterArgumentError: You can only sort by either \"key\" or \"value\""),
                };
                if (value is not JinjaDict mapping) throw new TemplateRuntimeError($"AttributeError: '{PyOps.TypeName(value)}' object has no attribute 'items'");
                var keyed = mapping.Entries.Select(e =>
                {
                    object? k = pos == 0 ? e.Key : e.Value;
                    return (Item: (object?)JinjaList.Tuple(e.Key, e.Value), Key: PyOps.Truthy(p[0]) ? k : IgnoreCase(k));
                }).ToList();
                return new JinjaList(StableSort(keyed, PyOps.Truthy(p[2])).Select(k => k.Item).ToList());
            }
            case "reverse":
                args.Bind(name, [], []);
                if (value is string s) return string.Concat(PyText.Chars(s).AsEnumerable().Reverse());
                if (value is JinjaGenerator) return new JinjaList(Enumerable.Reverse(Items(value)).ToList());
                var reversed = Enumerable.Reverse(Items(value)).ToList();
                return new JinjaGenerator(() => reversed, value is JinjaDict ? "dict_reversekeyiterator" : "list_reverseiterator");
            case "batch":
            {
                var p = args.Bind(name, ["linecount", "fill_with"], [CallArgs.Required, null]);
                long size = Int(p[0], name);
                if (size <= 0) throw new TemplateRuntimeError("FilterArgumentError: batch size must be positive");
                return new JinjaGenerator(() => Batch(value, size, p[1]));
            }
            case "sum":
            {
                var p = args.Bind(name, ["attribute", "start"], [null, 0L]);
                var items = Items(value);
                if (p[0] is not null) items = items.Select(AttrGetter(p[0], null)).ToList();
                return items.Aggregate(p[1], PyOps.Add);
            }
            case "min" or "max":
            {
                var p = args.Bind(name, ["case_sensitive", "attribute"], [false, null]);
                var items = Items(value);
                if (items.Count == 0) return Undefined.WithHint("No aggregated item, sequence was empty.");
                var getter = AttrGetter(p[1], PyOps.Truthy(p[0]) ? null : IgnoreCase);
                object? best = items[0], bestKey = getter(best);
                foreach (object? item in items.Skip(1))
                {
                    object? key = getter(item);
                    if (name == "min" ? PyOps.CompareOp(key, bestKey, "<") : PyOps.CompareOp(key, bestKey, ">"))
                        (best, bestKey) = (item, key);
                }
                return best;
            }
            default:
                throw new TemplateRuntimeError($"No filter named '{name}'.");
        }
    }

    private List<object?> Batch(object? value, long size, object? fill)
    {
        var batches = new List<object?>();
        var current = new List<object?>();
        foreach (object? item in Items(value))
        {
            if (current.Count == size) { batches.Add(new JinjaList(current)); current = []; }
            current.Add(item);
        }
        if (current.Count > 0)
        {
            if (fill is not null) while (current.Count < size) current.Add(fill);
            batches.Add(new JinjaList(current));
        }
        return batches;
    }

    /// <summary>Items of an iterable value, charged against the step budget.</summary>
    private List<object?> Items(object? value)
    {
        var items = PyOps.Iterate(value);
        Charge(items.Count);
        return items;
    }

    private List<object?> Map(object? value, CallArgs args)
    {
        if (!PyOps.Truthy(value)) return [];
        Func<object?, object?> func;
        var named = args.Named.ToDictionary(p => p.Key, p => p.Value);
        if (args.Positional.Count == 0 && named.Remove("attribute", out object? attribute))
        {
            named.Remove("default", out object? fallback);
            if (named.Count > 0) throw new TemplateRuntimeError($"FilterArgumentError: Unexpected keyword argument {PyRepr.Repr(named.Keys.First())}");
            func = AttrGetter(attribute, null, fallback);
        }
        else
        {
            if (args.Positional.Count == 0) throw new TemplateRuntimeError("FilterArgumentError: map requires a filter argument");
            string filter = PyRepr.Str(args.Positional[0]);
            var rest = new CallArgs(args.Positional.Skip(1).ToList(), args.Named);
            func = item => ApplyFilter(filter, item, rest);
        }
        return Items(value).Select(func).ToList();
    }

    private List<object?> SelectOrReject(object? value, CallArgs args, bool select, bool lookupAttr)
    {
        if (!PyOps.Truthy(value)) return [];
        int offset = 0;
        Func<object?, object?> transform = x => x;
        if (lookupAttr)
        {
            if (args.Positional.Count == 0) throw new TemplateRuntimeError("FilterArgumentError: Missing parameter for attribute name");
            transform = AttrGetter(args.Positional[0], null);
            offset = 1;
        }
        Func<object?, bool> test;
        if (args.Positional.Count > offset)
        {
            string testName = PyRepr.Str(args.Positional[offset]);
            var rest = new CallArgs(args.Positional.Skip(offset + 1).ToList(), args.Named);
            test = item => PyOps.Truthy(ApplyTest(testName, item, rest));
        }
        else test = PyOps.Truthy;
        return Items(value).Where(item => test(transform(item)) == select).ToList();
    }

    /// <summary>Jinja2's make_attrgetter: "a.b.0" walks items/attributes (digits become indexes); a default replaces Undefined.</summary>
    private Func<object?, object?> AttrGetter(object? attribute, Func<object?, object?>? postprocess, object? fallback = null)
    {
        List<object?> parts = attribute switch
        {
            null => [],
            string s => s.Split('.').Select(p => p.Length > 0 && p.All(char.IsAsciiDigit) ? (object?)long.Parse(p, System.Globalization.CultureInfo.InvariantCulture) : p).ToList(),
            _ => [attribute],
        };
        return item =>
        {
            foreach (object? part in parts)
            {
                item = GetItem(item, part);
                if (fallback is not null && item is Undefined) item = fallback;
            }
            return postprocess is null ? item : postprocess(item);
        };
    }

    private static object? IgnoreCase(object? value) => value is string s ? PyText.Lower(s) : value;

    /// <summary>Python's sorted(key=..., reverse=...): stable in both directions; incomparable keys raise TypeError.</summary>
    private static List<(object? Item, object? Key)> StableSort(List<(object? Item, object? Key)> items, bool reverse)
    {
        if (items.Count < 2) return items;
        int mid = items.Count / 2;
        var left = StableSort(items.GetRange(0, mid), reverse);
        var right = StableSort(items.GetRange(mid, items.Count - mid), reverse);
        var merged = new List<(object?, object?)>(items.Count);
        int i = 0, j = 0;
        while (i < left.Count && j < right.Count)
        {
            // Take from the right only when strictly before the left one, so equal keys keep their order.
            bool rightFirst = reverse ? PyOps.CompareOp(right[j].Key, left[i].Key, ">") : PyOps.CompareOp(right[j].Key, left[i].Key, "<");
            merged.Add(rightFirst ? right[j++] : left[i++]);
        }
        while (i < left.Count) merged.Add(left[i++]);
        while (j < right.Count) merged.Add(right[j++]);
        return merged;
    }
}
