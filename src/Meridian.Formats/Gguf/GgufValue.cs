// A GGUF metadata value: one of the 13 value types, arrays of any of them (strings and nested
// arrays included). Immutable; arrays are held as typed CLR arrays (float[], string[], ...).
namespace Meridian.Formats.Gguf;

/// <summary>
/// An immutable GGUF metadata value. Scalars are built with the <c>From*</c> factories,
/// arrays with <c>FromArray</c> (the input is copied). Equality is structural; floats
/// compare by bit pattern, so a NaN equals the same NaN.
/// </summary>
public sealed partial class GgufValue : IEquatable<GgufValue>
{
    // Scalars: the raw little-endian bits, zero-extended (signed values keep their two's
    // complement bit pattern at their own width). Strings and arrays: _ref.
    private readonly ulong _bits;
    // string for String; for Array a typed array: byte[], sbyte[], ushort[], short[], uint[],
    // int[], float[], bool[], string[], ulong[], long[], double[], or GgufValue[] (nested).
    private readonly object? _ref;

    private GgufValue(GgufValueType type, ulong bits, object? reference, GgufValueType? elementType)
    {
        Type = type;
        _bits = bits;
        _ref = reference;
        ElementType = elementType;
    }

    /// <summary>The value's type; <see cref="GgufValueType.Array"/> for arrays.</summary>
    public GgufValueType Type { get; }

    /// <summary>For arrays, the type of every element; null for scalars and strings.</summary>
    public GgufValueType? ElementType { get; }

    /// <summary>Whether this is an array.</summary>
    public bool IsArray => Type == GgufValueType.Array;

    /// <summary>Number of elements of an array; throws <see cref="InvalidOperationException"/> for a non-array.</summary>
    public int Length => IsArray ? ((Array)_ref!).Length : throw NotA("an array");

    internal ulong Bits => _bits;
    internal object? Reference => _ref;

    /// <summary>A uint8 value.</summary>
    public static GgufValue FromUInt8(byte value) => new(GgufValueType.UInt8, value, null, null);
    /// <summary>An int8 value.</summary>
    public static GgufValue FromInt8(sbyte value) => new(GgufValueType.Int8, (byte)value, null, null);
    /// <summary>A uint16 value.</summary>
    public static GgufValue FromUInt16(ushort value) => new(GgufValueType.UInt16, value, null, null);
    /// <summary>An int16 value.</summary>
    public static GgufValue FromInt16(short value) => new(GgufValueType.Int16, (ushort)value, null, null);
    /// <summary>A uint32 value.</summary>
    public static GgufValue FromUInt32(uint value) => new(GgufValueType.UInt32, value, null, null);
    /// <summary>An int32 value.</summary>
    public static GgufValue FromInt32(int value) => new(GgufValueType.Int32, (uint)value, null, null);
    /// <summary>A float32 value.</summary>
    public static GgufValue FromFloat32(float value) => new(GgufValueType.Float32, BitConverter.SingleToUInt32Bits(value), null, null);
    /// <summary>A bool value.</summary>
    public static GgufValue FromBool(bool value) => new(GgufValueType.Bool, value ? 1UL : 0UL, null, null);
    /// <summary>A string value.</summary>
    public static GgufValue FromString(string value) => new(GgufValueType.String, 0, value ?? throw new ArgumentNullException(nameof(value)), null);
    /// <summary>A uint64 value.</summary>
    public static GgufValue FromUInt64(ulong value) => new(GgufValueType.UInt64, value, null, null);
    /// <summary>An int64 value.</summary>
    public static GgufValue FromInt64(long value) => new(GgufValueType.Int64, (ulong)value, null, null);
    /// <summary>A float64 value.</summary>
    public static GgufValue FromFloat64(double value) => new(GgufValueType.Float64, BitConverter.DoubleToUInt64Bits(value), null, null);

    /// <summary>An array of uint8 (copied).</summary>
    public static GgufValue FromArray(ReadOnlySpan<byte> items) => Arr(GgufValueType.UInt8, items.ToArray());
    /// <summary>An array of int8 (copied).</summary>
    public static GgufValue FromArray(ReadOnlySpan<sbyte> items) => Arr(GgufValueType.Int8, items.ToArray());
    /// <summary>An array of uint16 (copied).</summary>
    public static GgufValue FromArray(ReadOnlySpan<ushort> items) => Arr(GgufValueType.UInt16, items.ToArray());
    /// <summary>An array of int16 (copied).</summary>
    public static GgufValue FromArray(ReadOnlySpan<short> items) => Arr(GgufValueType.Int16, items.ToArray());
    /// <summary>An array of uint32 (copied).</summary>
    public static GgufValue FromArray(ReadOnlySpan<uint> items) => Arr(GgufValueType.UInt32, items.ToArray());
    /// <summary>An array of int32 (copied).</summary>
    public static GgufValue FromArray(ReadOnlySpan<int> items) => Arr(GgufValueType.Int32, items.ToArray());
    /// <summary>An array of float32 (copied).</summary>
    public static GgufValue FromArray(ReadOnlySpan<float> items) => Arr(GgufValueType.Float32, items.ToArray());
    /// <summary>An array of bool (copied).</summary>
    public static GgufValue FromArray(ReadOnlySpan<bool> items) => Arr(GgufValueType.Bool, items.ToArray());
    /// <summary>An array of uint64 (copied).</summary>
    public static GgufValue FromArray(ReadOnlySpan<ulong> items) => Arr(GgufValueType.UInt64, items.ToArray());
    /// <summary>An array of int64 (copied).</summary>
    public static GgufValue FromArray(ReadOnlySpan<long> items) => Arr(GgufValueType.Int64, items.ToArray());
    /// <summary>An array of float64 (copied).</summary>
    public static GgufValue FromArray(ReadOnlySpan<double> items) => Arr(GgufValueType.Float64, items.ToArray());

    /// <summary>An array of strings (copied); no element may be null.</summary>
    public static GgufValue FromArray(ReadOnlySpan<string> items)
    {
        var copy = items.ToArray();
        for (int i = 0; i < copy.Length; i++)
            if (copy[i] is null)
                throw new ArgumentException($"string array element {i} is null", nameof(items));
        return Arr(GgufValueType.String, copy);
    }

    /// <summary>An array of arrays (copied); every element must itself be an array, of any element type.</summary>
    public static GgufValue FromArray(ReadOnlySpan<GgufValue> items)
    {
        var copy = items.ToArray();
        for (int i = 0; i < copy.Length; i++)
            if (copy[i] is not { IsArray: true })
                throw new ArgumentException($"element {i} of an array of arrays is not an array", nameof(items));
        return Arr(GgufValueType.Array, copy);
    }

    /// <summary>Wraps an array the reader built, without copying. The caller guarantees the CLR type matches.</summary>
    internal static GgufValue WrapArray(GgufValueType elementType, Array items) => Arr(elementType, items);

    private static GgufValue Arr(GgufValueType elementType, Array items) => new(GgufValueType.Array, 0, items, elementType);

    internal static GgufValue FromBits(GgufValueType type, ulong bits) => new(type, bits, null, null);

    /// <summary>Size in bytes of one scalar of <paramref name="type"/> on disk, or 0 for String and Array.</summary>
    internal static int FixedSize(GgufValueType type) => type switch
    {
        GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
        GgufValueType.UInt16 or GgufValueType.Int16 => 2,
        GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
        GgufValueType.UInt64 or GgufValueType.Int64 or GgufValueType.Float64 => 8,
        _ => 0,
    };

    /// <summary>Lower-case name as the GGUF spec writes it ("uint32", "string", "array").</summary>
    public static string TypeName(GgufValueType type) =>
        Enum.IsDefined(type) ? type.ToString().ToLowerInvariant() : $"type#{(uint)type}";

    private InvalidOperationException NotA(string what) =>
        new($"GGUF value of type {Describe()} is not {what}");

    /// <summary>Type as text, with the element type for arrays ("array[string]").</summary>
    public string Describe() => IsArray ? $"array[{TypeName(ElementType!.Value)}]" : TypeName(Type);
}
