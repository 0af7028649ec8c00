// Reading a GgufValue back: exact and widening scalar accessors, typed array views,
// structural equality and a short text form.
using System.Runtime.InteropServices;

namespace Meridian.Formats.Gguf;

public sealed partial class GgufValue
{
    /// <summary>Whether this is a scalar of one of the eight integer types.</summary>
    public bool IsInteger => IsIntegerType(Type);

    internal static bool IsIntegerType(GgufValueType t) => t is GgufValueType.UInt8 or GgufValueType.Int8
        or GgufValueType.UInt16 or GgufValueType.Int16 or GgufValueType.UInt32 or GgufValueType.Int32
        or GgufValueType.UInt64 or GgufValueType.Int64;

    /// <summary>
    /// An integer scalar as a 128-bit value (every integer type fits), or false for any other type.
    /// </summary>
    public bool TryGetInteger(out Int128 value)
    {
        value = Type switch
        {
            GgufValueType.UInt8 or GgufValueType.UInt16 or GgufValueType.UInt32 or GgufValueType.UInt64 => _bits,
            GgufValueType.Int8 => (sbyte)(byte)_bits,
            GgufValueType.Int16 => (short)(ushort)_bits,
            GgufValueType.Int32 => (int)(uint)_bits,
            GgufValueType.Int64 => (long)_bits,
            _ => 0,
        };
        return IsInteger;
    }

    /// <summary>A float32 or float64 scalar as a double, or false for any other type.</summary>
    public bool TryGetFloat64(out double value)
    {
        value = Type switch
        {
            GgufValueType.Float32 => BitConverter.UInt32BitsToSingle((uint)_bits),
            GgufValueType.Float64 => BitConverter.UInt64BitsToDouble(_bits),
            _ => 0,
        };
        return Type is GgufValueType.Float32 or GgufValueType.Float64;
    }

    /// <summary>The string of a String value; throws <see cref="InvalidOperationException"/> for other types.</summary>
    public string AsString() => Type == GgufValueType.String ? (string)_ref! : throw NotA("a string");

    /// <summary>The value of a Bool; throws <see cref="InvalidOperationException"/> for other types.</summary>
    public bool AsBool() => Type == GgufValueType.Bool ? _bits != 0 : throw NotA("a bool");

    /// <summary>
    /// The elements of a numeric or bool array as a span of <typeparamref name="T"/>, which must be
    /// the element type's CLR type exactly (float for float32, int for int32, bool for bool, ...).
    /// </summary>
    public ReadOnlySpan<T> AsSpan<T>() where T : unmanaged =>
        IsArray && _ref is T[] items ? items : throw NotA($"an array of {typeof(T).Name}");

    /// <summary>The elements of a string array.</summary>
    public IReadOnlyList<string> AsStringList() =>
        IsArray && _ref is string[] items ? Array.AsReadOnly(items) : throw NotA("an array of strings");

    /// <summary>The elements of an array of arrays.</summary>
    public IReadOnlyList<GgufValue> AsArrayList() =>
        IsArray && _ref is GgufValue[] items ? Array.AsReadOnly(items) : throw NotA("an array of arrays");

    /// <summary>Element <paramref name="index"/> of any array, as a value of the element type.</summary>
    public GgufValue GetElement(int index)
    {
        if (!IsArray)
            throw NotA("an array");
        var items = (Array)_ref!;
        if ((uint)index >= (uint)items.Length)
            throw new ArgumentOutOfRangeException(nameof(index), $"index {index} outside an array of {items.Length}");
        return _ref switch
        {
            byte[] a => FromUInt8(a[index]),
            sbyte[] a => FromInt8(a[index]),
            ushort[] a => FromUInt16(a[index]),
            short[] a => FromInt16(a[index]),
            uint[] a => FromUInt32(a[index]),
            int[] a => FromInt32(a[index]),
            float[] a => FromFloat32(a[index]),
            bool[] a => FromBool(a[index]),
            string[] a => FromString(a[index]),
            ulong[] a => FromUInt64(a[index]),
            long[] a => FromInt64(a[index]),
            double[] a => FromFloat64(a[index]),
            GgufValue[] a => a[index],
            _ => throw new InvalidOperationException("unreachable: unknown array storage"),
        };
    }

    /// <inheritdoc />
    public bool Equals(GgufValue? other)
    {
        if (other is null || Type != other.Type || ElementType != other.ElementType || _bits != other._bits)
            return false;
        return (_ref, other._ref) switch
        {
            (null, null) => true,
            (string a, string b) => string.Equals(a, b, StringComparison.Ordinal),
            (string[] a, string[] b) => a.AsSpan().SequenceEqual(b),
            (GgufValue[] a, GgufValue[] b) => a.AsSpan().SequenceEqual(b),
            (Array a, Array b) => a.Length == b.Length && RawBytes(a).SequenceEqual(RawBytes(b)),
            _ => false,
        };
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is GgufValue v && Equals(v);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(Type);
        h.Add(ElementType);
        h.Add(_bits);
        switch (_ref)
        {
            case string s: h.Add(s, StringComparer.Ordinal); break;
            case Array a: h.Add(a.Length); break;
        }
        return h.ToHashCode();
    }

    /// <summary>Short text form for logs and test output, e.g. <c>uint32 5</c> or <c>array[string] (512)</c>.</summary>
    public override string ToString()
    {
        if (IsArray)
            return $"{Describe()} ({Length})";
        if (Type == GgufValueType.String)
            return $"string \"{_ref}\"";
        if (TryGetInteger(out var i))
            return $"{TypeName(Type)} {i}";
        if (TryGetFloat64(out var d))
            return $"{TypeName(Type)} {d:R}";
        return $"{TypeName(Type)} {AsBool()}";
    }

    // Raw bytes of a blittable array (every typed array here except string[] and GgufValue[]).
    internal static ReadOnlySpan<byte> RawBytes(Array items) => items switch
    {
        byte[] a => a,
        sbyte[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        ushort[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        short[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        uint[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        int[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        float[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        bool[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        ulong[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        long[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        double[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        _ => throw new InvalidOperationException($"{items.GetType().Name} has no raw byte form"),
    };
}
