// Python semantics of template values: type names, truthiness, == by value, ordering, `in`,
// iteration and len. Errors use CPython's wording so they read like Jinja2's.
namespace Meridian.Tokenizers.Templates;

internal static partial class PyOps
{
    public static string TypeName(object? v) => v switch
    {
        null => "NoneType",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        JinjaList { IsTuple: true } => "tuple",
        JinjaList => "list",
        JinjaDict => "dict",
        JinjaNamespace => "Namespace",
        Undefined => "Undefined",
        LoopContext => "LoopContext",
        JinjaGenerator g => g.TypeName,
        Macro => "Macro",
        BoundMethod => "builtin_function_or_method",
        JinjaCallable => "builtin_function_or_method",
        _ => v.GetType().Name,
    };

    /// <summary>Jinja2's object_type_repr: 'None', 'dict object', 'jinja2.utils.Namespace object'.</summary>
    public static string ObjectTypeRepr(object? v) => v switch
    {
        null => "None",
        JinjaNamespace => "jinja2.utils.Namespace object",
        LoopContext => "jinja2.runtime.LoopContext object",
        Macro => "jinja2.runtime.Macro object",
        Undefined => "jinja2.runtime.Undefined object",
        _ => TypeName(v) + " object",
    };

    public static bool Truthy(object? v) => v switch
    {
        null => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        JinjaList l => l.Count > 0,
        JinjaDict d => d.Count > 0,
        Undefined => false,
        _ => true,
    };

    /// <summary>Values can nest as deep as a template makes them; recursion over them stops with an error, not a crash.</summary>
    public static void EnsureStack()
    {
        if (!System.Runtime.CompilerServices.RuntimeHelpers.TryEnsureSufficientExecutionStack())
            throw new TemplateRuntimeError("RecursionError: value nested too deeply");
    }

    public static bool IsNumber(object? v) => v is long or double or bool;

    public static bool IsInteger(object? v) => v is long or bool;

    public static long ToLong(object? v) => v switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        _ => throw new InvalidOperationException("not an integer"),
    };

    public static double ToDouble(object? v) => v switch
    {
        double d => d,
        long l => l,
        bool b => b ? 1 : 0,
        _ => throw new InvalidOperationException("not a number"),
    };

    /// <summary>Python ==: numbers across int/float/bool, lists and dicts by value, list != tuple.</summary>
    public static bool Equal(object? a, object? b)
    {
        if (ReferenceEquals(a, b)) return true;
        if (IsNumber(a) && IsNumber(b))
            return IsInteger(a) && IsInteger(b) ? ToLong(a) == ToLong(b) : ToDouble(a) == ToDouble(b);
        switch (a)
        {
            case string sa: return b is string sb && string.Equals(sa, sb, StringComparison.Ordinal);
            case Undefined: return b is Undefined;
            case JinjaList la:
                if (b is not JinjaList lb || la.IsTuple != lb.IsTuple || la.Count != lb.Count) return false;
                EnsureStack();
                for (int i = 0; i < la.Count; i++)
                    if (!Equal(la[i], lb[i])) return false;
                return true;
            case JinjaDict da:
                if (b is not JinjaDict db || da.Count != db.Count) return false;
                EnsureStack();
                foreach (var (key, value) in da.Entries)
                    if (!db.TryGetValue(key, out object? other) || !Equal(value, other)) return false;
                return true;
            default:
                return false;
        }
    }

    /// <summary>Python ordering for &lt; &lt;= &gt; &gt;=: numbers, strings by code point, lists/tuples lexicographically.</summary>
    public static int Compare(object? a, object? b, string op)
    {
        if (a is Undefined ua) throw ua.Fail();
        if (b is Undefined ub) throw ub.Fail();
        if (IsNumber(a) && IsNumber(b))
            return IsInteger(a) && IsInteger(b) ? ToLong(a).CompareTo(ToLong(b)) : CompareDoubles(ToDouble(a), ToDouble(b));
        if (a is string sa && b is string sb)
            return PyText.Compare(sa, sb);
        if (a is JinjaList la && b is JinjaList lb && la.IsTuple == lb.IsTuple)
        {
            EnsureStack();
            int n = Math.Min(la.Count, lb.Count);
            for (int i = 0; i < n; i++)
                if (!Equal(la[i], lb[i]))
                    return Compare(la[i], lb[i], op);
            return la.Count.CompareTo(lb.Count);
        }
        throw new TemplateRuntimeError($"TypeError: '{op}' not supported between instances of '{TypeName(a)}' and '{TypeName(b)}'");
    }

    private static int CompareDoubles(double x, double y) => x < y ? -1 : x > y ? 1 : 0;

    /// <summary>Evaluates a < <= > >= comparison; NaN compares false every way, as in Python.</summary>
    public static bool CompareOp(object? a, object? b, string op)
    {
        if (a is double || b is double)
        {
            if (IsNumber(a) && IsNumber(b))
            {
                double x = ToDouble(a), y = ToDouble(b);
                return op switch { "<" => x < y, "<=" => x <= y, ">" => x > y, _ => x >= y };
            }
        }
        int c = Compare(a, b, op);
        return op switch { "<" => c < 0, "<=" => c <= 0, ">" => c > 0, _ => c >= 0 };
    }

    /// <summary>Python `item in container`.</summary>
    public static bool Contains(object? container, object? item)
    {
        switch (container)
        {
            case string s:
                if (item is not string sub)
                    throw new TemplateRuntimeError($"TypeError: 'in <string>' requires string as left operand, not {TypeName(item)}");
                return s.Contains(sub, StringComparison.Ordinal);
            case JinjaList list:
                foreach (object? x in list.Items)
                    if (Equal(x, item)) return true;
                return false;
            case JinjaDict dict:
                return dict.ContainsKey(item);
            case Undefined:
                return false; // Undefined iterates as empty
            case JinjaGenerator g:
                foreach (object? x in g.Consume())
                    if (Equal(x, item)) return true;
                return false;
            default:
                throw new TemplateRuntimeError($"TypeError: argument of type '{TypeName(container)}' is not iterable");
        }
    }

    /// <summary>What `for x in value` iterates: list items, dict keys, string code points; Undefined is empty.</summary>
    public static List<object?> Iterate(object? value) => value switch
    {
        JinjaList list => list.Items,
        JinjaDict dict => [.. dict.Keys],
        string s => [.. PyText.Chars(s)],
        Undefined => [],
        JinjaGenerator g => g.Consume(),
        _ => throw new TemplateRuntimeError($"TypeError: '{TypeName(value)}' object is not iterable"),
    };

    public static bool IsIterable(object? value) => value is JinjaList or JinjaDict or string or Undefined or JinjaGenerator;

    /// <summary>Python len().</summary>
    public static long Length(object? value) => value switch
    {
        string s => PyText.Length(s),
        JinjaList list => list.Count,
        JinjaDict dict => dict.Count,
        JinjaNamespace => throw new TemplateRuntimeError("TypeError: object of type 'Namespace' has no len()"),
        Undefined => 0,
        _ => throw new TemplateRuntimeError($"TypeError: object of type '{TypeName(value)}' has no len()"),
    };
}
