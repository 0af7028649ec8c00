// A tensor queued for writing, validated once when added (shared by the plain and sharded writers).
using System.Text;

namespace Meridian.Formats.Safetensors;

/// <summary>Name, type, shape and bytes of a tensor to write; <see cref="Data"/> is not copied.</summary>
internal sealed record SafetensorsPendingTensor(string Name, SafetensorsDType DType, long[] Shape, ReadOnlyMemory<byte> Data)
{
    internal static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Checks the arguments of an AddTensor call and builds the entry.</summary>
    public static SafetensorsPendingTensor Create(string name, SafetensorsDType dtype, ReadOnlySpan<long> shape, ReadOnlyMemory<byte> data)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name == "__metadata__")
            throw new ArgumentException("'__metadata__' is reserved and cannot name a tensor", nameof(name));
        CheckEncodable(name, nameof(name));
        if (!Enum.IsDefined(dtype))
            throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a safetensors dtype");
        long? size = SafetensorsDTypes.TryByteSize(dtype, shape, out string? why);
        if (size is null)
            throw new ArgumentException($"tensor '{name}': shape [{string.Join(", ", shape.ToArray())}] of {dtype}: {why}", nameof(shape));
        if (size != data.Length)
            throw new ArgumentException($"tensor '{name}': {dtype} [{string.Join(", ", shape.ToArray())}] needs {size} bytes, got {data.Length}", nameof(data));
        return new SafetensorsPendingTensor(name, dtype, shape.ToArray(), data);
    }

    /// <summary>Checks a "__metadata__" key and value (non-null, valid Unicode).</summary>
    public static void CheckMetadata(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        CheckEncodable(key, nameof(key));
        CheckEncodable(value, nameof(value));
    }

    /// <summary>Refuses strings with lone surrogates: they have no UTF-8 form.</summary>
    public static void CheckEncodable(string s, string paramName)
    {
        try
        {
            StrictUtf8.GetByteCount(s);
        }
        catch (EncoderFallbackException e)
        {
            throw new ArgumentException($"'{s}' is not valid Unicode (lone surrogate) and cannot be written as UTF-8", paramName, e);
        }
    }

    /// <summary>Byte-wise UTF-8 order, the order Rust's String::cmp uses in the reference writer.</summary>
    public static int CompareUtf8(string a, string b) =>
        StrictUtf8.GetBytes(a).AsSpan().SequenceCompareTo(StrictUtf8.GetBytes(b));
}
