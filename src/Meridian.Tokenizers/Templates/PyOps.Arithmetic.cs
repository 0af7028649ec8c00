// Python arithmetic on template values: + - * / // % ** and unary minus, with int overflow checked
// (Python ints are unbounded; ours are 64-bit and say so) and result sizes capped.
using System.Text;

namespace Meridian.Tokenizers.Templates;

internal static partial class PyOps
{
    /// <summary>Largest string or list an operator may build; a template doubling a string in a loop stops here.</summary>
    public const int MaxValueLength = 32 * 1024 * 1024;

    public static object? Add(object? a, object? b)
    {
        FailIfUndefined(a, b);
        if (IsNumber(a) && IsNumber(b))
            return IsInteger(a) && IsInteger(b) ? (object)Checked(() => checked(ToLong(a) + ToLong(b))) : ToDouble(a) + ToDouble(b);
        if (a is string sa)
        {
            if (b is not string sb)
                throw new TemplateRuntimeError($"TypeError: can only concatenate str (not \"{TypeName(b)}\") to str");
            CheckSize((long)sa.Length + sb.Length);
            return sa + sb;
        }
        if (a is JinjaList la)
        {
            if (b is not JinjaList lb || lb.IsTuple != la.IsTuple)
                throw new TemplateRuntimeError($"TypeError: can only concatenate {TypeName(a)} (not \"{TypeName(b)}\") to {TypeName(a)}");
            CheckSize((long)la.Count + lb.Count);
            return new JinjaList([.. la.Items, .. lb.Items], la.IsTuple);
        }
        throw Unsupported("+", a, b);
    }

    public static object? Subtract(object? a, object? b)
    {
        FailIfUndefined(a, b);
        if (IsNumber(a) && IsNumber(b))
            return IsInteger(a) && IsInteger(b) ? (object)Checked(() => checked(ToLong(a) - ToLong(b))) : ToDouble(a) - ToDouble(b);
        throw Unsupported("-", a, b);
    }

    public static object? Multiply(object? a, object? b)
    {
        FailIfUndefined(a, b);
        if (IsNumber(a) && IsNumber(b))
            return IsInteger(a) && IsInteger(b) ? (object)Checked(() => checked(ToLong(a) * ToLong(b))) : ToDouble(a) * ToDouble(b);
        if (IsInteger(b) && (a is string || a is JinjaList)) return Repeat(a, ToLong(b));
        if (IsInteger(a) && (b is string || b is JinjaList)) return Repeat(b, ToLong(a));
        throw Unsupported("*", a, b);
    }

    public static object? TrueDivide(object? a, object? b)
    {
        FailIfUndefined(a, b);
        if (!IsNumber(a) || !IsNumber(b)) throw Unsupported("/", a, b);
        double y = ToDouble(b);
        if (y == 0) throw new TemplateRuntimeError("ZeroDivisionError: division by zero");
        return ToDouble(a) / y;
    }

    public static object? FloorDivide(object? a, object? b)
    {
        FailIfUndefined(a, b);
        if (!IsNumber(a) || !IsNumber(b)) throw Unsupported("//", a, b);
        if (IsInteger(a) && IsInteger(b))
        {
            long x = ToLong(a), y = ToLong(b);
            if (y == 0) throw new TemplateRuntimeError("ZeroDivisionError: integer division or modulo by zero");
            if (x == long.MinValue && y == -1) throw Overflow();
            long q = x / y;
            if (x % y != 0 && (x < 0) != (y < 0)) q--;
            return q;
        }
        double d = ToDouble(b);
        if (d == 0) throw new TemplateRuntimeError("ZeroDivisionError: float floor division by zero");
        return Math.Floor(ToDouble(a) / d);
    }

    public static object? Modulo(object? a, object? b)
    {
        FailIfUndefined(a, b);
        if (a is string format) return PyFormat.Percent(format, b);
        if (!IsNumber(a) || !IsNumber(b)) throw Unsupported("%", a, b);
        if (IsInteger(a) && IsInteger(b))
        {
            long x = ToLong(a), y = ToLong(b);
            if (y == 0) throw new TemplateRuntimeError("ZeroDivisionError: integer modulo by zero");
            if (y == -1) return 0L;
            long r = x % y;
            if (r != 0 && (r < 0) != (y < 0)) r += y;
            return r;
        }
        double dx = ToDouble(a), dy = ToDouble(b);
        if (dy == 0) throw new TemplateRuntimeError("ZeroDivisionError: float modulo");
        double m = dx % dy;
        if (m != 0 && (m < 0) != (dy < 0)) m += dy;
        return m;
    }

    public static object? Power(object? a, object? b)
    {
        FailIfUndefined(a, b);
        if (!IsNumber(a) || !IsNumber(b)) throw Unsupported("** or pow()", a, b);
        if (IsInteger(a) && IsInteger(b) && ToLong(b) >= 0)
        {
            long x = ToLong(a), e = ToLong(b), result = 1;
            return Checked(() =>
            {
                while (e > 0)
                {
                    if ((e & 1) == 1) result = checked(result * x);
                    e >>= 1;
                    if (e > 0) x = checked(x * x);
                }
                return result;
            });
        }
        double bx = ToDouble(a), by = ToDouble(b);
        if (bx == 0 && by < 0) throw new TemplateRuntimeError("ZeroDivisionError: 0.0 cannot be raised to a negative power");
        return Math.Pow(bx, by);
    }

    public static object? Negate(object? a) => a switch
    {
        Undefined u => throw u.Fail(),
        long l => l == long.MinValue ? throw Overflow() : (object)-l,
        bool b => b ? -1L : 0L,
        double d => -d,
        _ => throw new TemplateRuntimeError($"TypeError: bad operand type for unary -: '{TypeName(a)}'"),
    };

    public static object? Plus(object? a) => a switch
    {
        Undefined u => throw u.Fail(),
        long or double => a,
        bool b => b ? 1L : 0L,
        _ => throw new TemplateRuntimeError($"TypeError: bad operand type for unary +: '{TypeName(a)}'"),
    };

    public static void CheckSize(long size)
    {
        if (size > MaxValueLength)
            throw new TemplateRuntimeError($"MemoryError: a value of {size} items exceeds the template limit of {MaxValueLength}");
    }

    private static object Repeat(object? seq, long times)
    {
        if (times <= 0) return seq is string ? "" : new JinjaList([], ((JinjaList)seq!).IsTuple);
        if (seq is string s)
        {
            CheckSize(s.Length * Math.Min(times, MaxValueLength + 1L));
            var sb = new StringBuilder(s.Length * (int)times);
            for (long i = 0; i < times; i++) sb.Append(s);
            return sb.ToString();
        }
        var list = (JinjaList)seq!;
        CheckSize(list.Count * Math.Min(times, MaxValueLength + 1L));
        var items = new List<object?>(list.Count * (int)times);
        for (long i = 0; i < times; i++) items.AddRange(list.Items);
        return new JinjaList(items, list.IsTuple);
    }

    private static void FailIfUndefined(object? a, object? b)
    {
        if (a is Undefined ua) throw ua.Fail();
        if (b is Undefined ub) throw ub.Fail();
    }

    private static TemplateRuntimeError Unsupported(string op, object? a, object? b) =>
        new($"TypeError: unsupported operand type(s) for {op}: '{TypeName(a)}' and '{TypeName(b)}'");

    private static TemplateRuntimeError Overflow() =>
        new("OverflowError: integer result does not fit in 64 bits (a limit of this engine; Python ints are unbounded)");

    private static long Checked(Func<long> op)
    {
        try { return op(); }
        catch (OverflowException) { throw Overflow(); }
    }
}
