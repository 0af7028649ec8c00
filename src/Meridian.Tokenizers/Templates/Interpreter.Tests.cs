// Jinja2's tests (`x is defined`, `x is string`, `x is divisibleby 3`, ...), with Python's type
// rules: booleans are numbers, strings are iterable sequences, Undefined is iterable (it iterates
// as empty), dicts are sequences as well as mappings (jinja2/tests.py).
namespace Meridian.Tokenizers.Templates;

internal sealed partial class Interpreter
{
    private static readonly HashSet<string> TestNames =
    [
        "odd", "even", "divisibleby", "defined", "undefined", "filter", "test", "none", "boolean", "false", "true",
        "integer", "float", "lower", "upper", "string", "mapping", "number", "sequence", "iterable", "callable",
        "sameas", "escaped", "in", "==", "eq", "equalto", "!=", "ne", ">", "gt", "greaterthan", "ge", ">=",
        "<", "lt", "lessthan", "<=", "le",
    ];

    internal object? ApplyTest(string name, object? value, CallArgs args)
    {
        switch (name)
        {
            case "defined": args.Bind(name, [], []); return value is not Undefined;
            case "undefined": args.Bind(name, [], []); return value is Undefined;
            case "none": args.Bind(name, [], []); return value is null;
            case "boolean": args.Bind(name, [], []); return value is bool;
            case "true": args.Bind(name, [], []); return value is true;
            case "false": args.Bind(name, [], []); return value is false;
            case "integer": args.Bind(name, [], []); return value is long;
            case "float": args.Bind(name, [], []); return value is double;
            case "number": args.Bind(name, [], []); return PyOps.IsNumber(value);
            case "string": args.Bind(name, [], []); return value is string;
            case "mapping": args.Bind(name, [], []); return value is JinjaDict;
            case "sequence": args.Bind(name, [], []); return value is string or JinjaList or JinjaDict or Undefined;
            case "iterable": args.Bind(name, [], []); return PyOps.IsIterable(value);
            case "callable": args.Bind(name, [], []); return value is JinjaCallable or Undefined || value is LoopContext { IsRecursive: true }; // Undefined defines __call__
            case "escaped": args.Bind(name, [], []); return false; // autoescape is off: no Markup values exist
            case "lower": args.Bind(name, [], []); return value is string s && StrPredicate(s, "islower");
            case "upper": args.Bind(name, [], []); return value is string u && StrPredicate(u, "isupper");
            case "odd" or "even":
            {
                args.Bind(name, [], []);
                object? rem = PyOps.Modulo(value, 2L);
                return PyOps.Equal(rem, name == "odd" ? 1L : 0L);
            }
            case "divisibleby":
            {
                var p = args.Bind(name, ["num"], [CallArgs.Required]);
                return PyOps.Equal(PyOps.Modulo(value, p[0]), 0L);
            }
            case "sameas":
            {
                var p = args.Bind(name, ["other"], [CallArgs.Required]);
                object? other = p[0];
                return (value, other) switch
                {
                    (null, null) => true,
                    (bool a, bool b) => a == b,
                    (long a, long b) => a == b && a is >= -5 and <= 256, // CPython caches small ints only
                    (string a, string b) => ReferenceEquals(a, b),
                    _ => ReferenceEquals(value, other) && value is not (long or double or bool),
                };
            }
            case "in":
            {
                var p = args.Bind(name, ["seq"], [CallArgs.Required]);
                return PyOps.Contains(p[0], value);
            }
            case "filter" or "test":
            {
                args.Bind(name, [], []);
                return value is string n && (name == "filter" ? FilterNames.Contains(n) : TestNames.Contains(n));
            }
        }
        if (!TestNames.Contains(name)) throw new TemplateRuntimeError($"No test named '{name}'.");
        var cmp = args.Bind(name, ["other"], [CallArgs.Required]);
        object? right = cmp[0];
        return name switch
        {
            "==" or "eq" or "equalto" => PyOps.Equal(value, right),
            "!=" or "ne" => !PyOps.Equal(value, right),
            ">" or "gt" or "greaterthan" => PyOps.CompareOp(value, right, ">"),
            ">=" or "ge" => PyOps.CompareOp(value, right, ">="),
            "<" or "lt" or "lessthan" => PyOps.CompareOp(value, right, "<"),
            _ => PyOps.CompareOp(value, right, "<="),
        };
    }
}
