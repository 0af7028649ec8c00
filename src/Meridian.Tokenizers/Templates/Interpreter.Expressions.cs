// Expressions: literals, names, attribute/item lookup (Jinja2's getattr-then-item and
// item-then-attr order), slices, calls, operators with Python semantics, and conditionals.
using System.Text;

namespace Meridian.Tokenizers.Templates;

internal sealed partial class Interpreter
{
    // Expressions nest at most this deep however large the thread's stack is (a chain of 20,000 additions builds a
    // tree that deep without any brackets), so the same template fails or renders the same way on every thread.
    private const int MaxExpressionDepth = 2000;

    private object? Eval(Expr expr)
    {
        try
        {
            if (++_exprDepth > MaxExpressionDepth)
                throw new TemplateRuntimeError($"RecursionError: expressions nest deeper than {MaxExpressionDepth} levels");
            EnsureStack();
            return EvalCore(expr);
        }
        catch (TemplateRuntimeError e) when (e.Line == 0)
        {
            e.Line = expr.Line;
            throw;
        }
        finally
        {
            _exprDepth--;
        }
    }

    private int _exprDepth;

    private object? EvalCore(Expr expr)
    {
        switch (expr)
        {
            case ConstExpr c: return c.Value;
            case NameExpr n: return Lookup(n.Name);
            case ListExpr list:
                return new JinjaList(list.Items.Select(Eval).ToList(), list.IsTuple);
            case DictExpr dict:
            {
                var result = new JinjaDict();
                foreach (var (key, value) in dict.Items) result.Set(Eval(key), Eval(value));
                return result;
            }
            case AttrExpr attr: return GetAttr(Eval(attr.Target), attr.Attr);
            case ItemExpr item:
            {
                object? target = Eval(item.Target);
                if (item.Key is SliceExpr slice)
                    return Slice(target, EvalOpt(slice.Start), EvalOpt(slice.Stop), EvalOpt(slice.Step));
                return GetItem(target, Eval(item.Key));
            }
            case SliceExpr:
                throw new TemplateRuntimeError("a slice is only valid inside [ ]");
            case CallExpr call:
            {
                object? callee = Eval(call.Callee);
                return Call(callee, EvalArgs(call.Args));
            }
            case FilterExpr filter:
            {
                object? value = filter.Value is null ? Undefined.Plain : Eval(filter.Value);
                return ApplyFilter(filter.Name, value, EvalArgs(filter.Args));
            }
            case TestExpr test:
                return ApplyTest(test.Name, Eval(test.Value), EvalArgs(test.Args));
            case UnaryExpr unary:
            {
                object? operand = Eval(unary.Operand);
                return unary.Op switch
                {
                    "not" => !PyOps.Truthy(operand),
                    "-" => PyOps.Negate(operand),
                    _ => PyOps.Plus(operand),
                };
            }
            case BinaryExpr binary: return EvalBinary(binary);
            case CompareExpr compare: return EvalCompare(compare);
            case ConcatExpr concat:
            {
                var sb = new StringBuilder();
                foreach (var part in concat.Parts)
                {
                    sb.Append(PyRepr.Str(Eval(part)));
                    PyOps.CheckSize(sb.Length);
                }
                return sb.ToString();
            }
            case CondExpr cond:
                if (PyOps.Truthy(Eval(cond.Test))) return Eval(cond.Then);
                return cond.Else is null ? Undefined.WithHint("the inline if-expression on line " + cond.Line + " evaluated to false and no else section was defined.") : Eval(cond.Else);
            default:
                throw new InvalidOperationException($"unknown expression {expr.GetType().Name}");
        }
    }

    private object? EvalOpt(Expr? expr) => expr is null ? null : Eval(expr);

    private object? EvalBinary(BinaryExpr binary)
    {
        object? left = Eval(binary.Left);
        switch (binary.Op)
        {
            case "and": return PyOps.Truthy(left) ? Eval(binary.Right) : left;
            case "or": return PyOps.Truthy(left) ? left : Eval(binary.Right);
        }
        object? right = Eval(binary.Right);
        object? result = binary.Op switch
        {
            "+" => PyOps.Add(left, right),
            "-" => PyOps.Subtract(left, right),
            "*" => PyOps.Multiply(left, right),
            "/" => PyOps.TrueDivide(left, right),
            "//" => PyOps.FloorDivide(left, right),
            "%" => PyOps.Modulo(left, right),
            "**" => PyOps.Power(left, right),
            _ => throw new InvalidOperationException($"unknown operator {binary.Op}"),
        };
        if (result is string s && s.Length > 256) Charge(s.Length / 256);
        return result;
    }

    private object? EvalCompare(CompareExpr compare)
    {
        object? left = Eval(compare.First);
        foreach (var (op, rightExpr) in compare.Rest)
        {
            object? right = Eval(rightExpr);
            bool ok = op switch
            {
                "==" => PyOps.Equal(left, right),
                "!=" => !PyOps.Equal(left, right),
                "in" => PyOps.Contains(right, left),
                "notin" => !PyOps.Contains(right, left),
                _ => PyOps.CompareOp(left, right, op),
            };
            if (!ok) return false;
            left = right;
        }
        return true;
    }

    private CallArgs EvalArgs(ArgList args)
    {
        var positional = args.Positional.Select(Eval).ToList();
        var named = args.Named.Select(p => new KeyValuePair<string, object?>(p.Key, Eval(p.Value))).ToList();
        if (args.DynArgs is not null)
            positional.AddRange(PyOps.Iterate(Eval(args.DynArgs)));
        if (args.DynKwargs is not null)
        {
            if (Eval(args.DynKwargs) is not JinjaDict dict)
                throw new TemplateRuntimeError("TypeError: argument after ** must be a mapping");
            foreach (var (key, value) in dict.Entries)
                named.Add(new(key as string ?? throw new TemplateRuntimeError("TypeError: keywords must be strings"), value));
        }
        return new CallArgs(positional, named);
    }

    internal object? Call(object? callee, CallArgs args) => callee switch
    {
        JinjaCallable f => f.Invoke(this, args),
        LoopContext { IsRecursive: true } loop when args.Positional.Count == 1 && args.Named.Count == 0 => loop.Recurse(args.Positional[0]),
        Undefined u => throw u.Fail(),
        _ => throw new TemplateRuntimeError($"TypeError: '{PyOps.TypeName(callee)}' object is not callable"),
    };

    /// <summary>`obj.name`: a Python attribute (method, namespace or loop attribute) first, then obj[name].</summary>
    internal object? GetAttr(object? obj, string name)
    {
        if (obj is Undefined u) throw u.Fail();
        if (TryGetAttribute(obj, name, out object? value)) return value;
        if (obj is JinjaDict dict && dict.TryGetValue(name, out value)) return value;
        return Undefined.ForAttribute(obj, name);
    }

    /// <summary>`obj[key]`: the item first, then for string keys a Python attribute.</summary>
    internal object? GetItem(object? obj, object? key)
    {
        switch (obj)
        {
            case Undefined u: throw u.Fail();
            case JinjaDict dict when key is not JinjaDict and not JinjaList { IsTuple: false }:
                if (dict.TryGetValue(key, out object? value)) return value;
                break;
            case JinjaList list when PyOps.IsInteger(key):
            {
                long i = PyOps.ToLong(key);
                if (i < 0) i += list.Count;
                if (i >= 0 && i < list.Count) return list[(int)i];
                break;
            }
            case string s when PyOps.IsInteger(key):
            {
                var chars = PyText.HasSurrogates(s) ? PyText.Chars(s) : null;
                int len = chars?.Count ?? s.Length;
                long i = PyOps.ToLong(key);
                if (i < 0) i += len;
                if (i >= 0 && i < len) return chars is null ? s[(int)i].ToString() : chars[(int)i];
                break;
            }
        }
        if (key is string name && TryGetAttribute(obj, name, out object? attribute)) return attribute;
        return Undefined.ForAttribute(obj, key);
    }

    /// <summary>Python attributes of template values; names starting with '_' are never exposed (sandbox rule).</summary>
    private static bool TryGetAttribute(object? obj, string name, out object? value)
    {
        value = null;
        if (name.StartsWith('_')) return false;
        switch (obj)
        {
            case JinjaNamespace ns:
                return ns.Attributes.TryGetValue(name, out value);
            case LoopContext loop:
                value = loop.GetAttribute(name);
                return value is not Undefined;
            case Macro macro when name == "name":
                value = macro.Name;
                return true;
        }
        if (obj is null || !HasMethod(obj, name, out bool unsafeMethod)) return false;
        value = unsafeMethod
            ? new BuiltinFunction(name, (_, _) => throw new TemplateRuntimeError($"SecurityError: access to attribute '{name}' of '{PyOps.TypeName(obj)}' object is unsafe."))
            : new BoundMethod(obj, name);
        return true;
    }

    /// <summary>Python slicing obj[start:stop:step] on lists, tuples and strings (by code point).</summary>
    private static object? Slice(object? obj, object? start, object? stop, object? step)
    {
        if (obj is Undefined u) throw u.Fail();
        List<object?>? items = obj switch
        {
            JinjaList list => list.Items,
            string s => [.. PyText.Chars(s)],
            _ => null,
        };
        if (items is null) return Undefined.ForAttribute(obj, "slice");
        long len = items.Count;
        long st = SliceIndex(step) ?? 1;
        if (st == 0) throw new TemplateRuntimeError("ValueError: slice step cannot be zero");
        long lo = Adjust(SliceIndex(start), st < 0 ? len - 1 : 0, len, st);
        long hi = Adjust(SliceIndex(stop), st < 0 ? -1 : len, len, st);
        var result = new List<object?>();
        for (long i = lo; st > 0 ? i < hi : i > hi; i += st) result.Add(items[(int)i]);
        return obj is JinjaList source ? new JinjaList(result, source.IsTuple) : string.Concat(result.Select(c => (string)c!));

        static long Adjust(long? index, long missing, long len, long step)
        {
            if (index is not long i) return missing;
            if (i < 0)
            {
                i += len;
                if (i < 0) i = step < 0 ? -1 : 0;
            }
            else if (i >= len) i = step < 0 ? len - 1 : len;
            return i;
        }
    }

    private static long? SliceIndex(object? value) => value switch
    {
        null => null,
        long or bool => PyOps.ToLong(value),
        _ => throw new TemplateRuntimeError("TypeError: slice indices must be integers or None or have an __index__ method"),
    };
}
