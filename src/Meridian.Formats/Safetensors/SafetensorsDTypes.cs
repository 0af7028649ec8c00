// Traits of SafetensorsDType: header names, bit sizes, and the mapping to Meridian's DType.
// Bit sizes are the reference's Dtype::bitsize (huggingface/safetensors safetensors/src/tensor.rs).
using Meridian.Core;
using Meridian.Core.Tensors;

namespace Meridian.Formats.Safetensors;

/// <summary>Names, sizes and <see cref="DType"/> mapping for <see cref="SafetensorsDType"/>.</summary>
public static class SafetensorsDTypes
{
    /// <summary>Bits per element (4, 6, 8, 16, 32 or 64).</summary>
    public static int BitSize(this SafetensorsDType type) => type switch
    {
        SafetensorsDType.F4 => 4,
        SafetensorsDType.F6_E2M3 or SafetensorsDType.F6_E3M2 => 6,
        SafetensorsDType.BOOL or SafetensorsDType.U8 or SafetensorsDType.I8 or SafetensorsDType.F8_E5M2
            or SafetensorsDType.F8_E4M3 or SafetensorsDType.F8_E8M0 or SafetensorsDType.F8_E4M3FNUZ
            or SafetensorsDType.F8_E5M2FNUZ => 8,
        SafetensorsDType.I16 or SafetensorsDType.U16 or SafetensorsDType.F16 or SafetensorsDType.BF16 => 16,
        SafetensorsDType.I32 or SafetensorsDType.U32 or SafetensorsDType.F32 => 32,
        SafetensorsDType.C64 or SafetensorsDType.F64 or SafetensorsDType.I64 or SafetensorsDType.U64 => 64,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a safetensors dtype"),
    };

    /// <summary>The name used in headers ("F32", "BF16", "F8_E4M3", ...).</summary>
    public static string HeaderName(this SafetensorsDType type) =>
        Enum.IsDefined(type) ? type.ToString() : throw new ArgumentOutOfRangeException(nameof(type), type, "not a safetensors dtype");

    /// <summary>Parses a header dtype name. Exact, case-sensitive match, as the reference does.</summary>
    public static bool TryParse(string name, out SafetensorsDType type)
    {
        // Enum.TryParse would also accept numbers and other casings; the format does not.
        foreach (var candidate in Enum.GetValues<SafetensorsDType>())
        {
            if (string.Equals(candidate.ToString(), name, StringComparison.Ordinal))
            {
                type = candidate;
                return true;
            }
        }
        type = default;
        return false;
    }

    /// <summary>
    /// The Meridian <see cref="DType"/> with the same bytes, for F64, F32, F16, BF16, I64, I32,
    /// I16 and I8. BOOL, U8, the unsigned, fp8/fp6/fp4 and complex types have none: false.
    /// </summary>
    public static bool TryToDType(this SafetensorsDType type, out DType dtype)
    {
        DType? mapped = type switch
        {
            SafetensorsDType.F64 => DType.F64,
            SafetensorsDType.F32 => DType.F32,
            SafetensorsDType.F16 => DType.F16,
            SafetensorsDType.BF16 => DType.BF16,
            SafetensorsDType.I64 => DType.I64,
            SafetensorsDType.I32 => DType.I32,
            SafetensorsDType.I16 => DType.I16,
            SafetensorsDType.I8 => DType.I8,
            _ => null,
        };
        dtype = mapped.GetValueOrDefault();
        return mapped.HasValue;
    }

    /// <summary>Like <see cref="TryToDType"/>, but throws <see cref="UnsupportedDTypeException"/> naming the type.</summary>
    public static DType ToDType(this SafetensorsDType type) =>
        type.TryToDType(out var dtype)
            ? dtype
            : throw new UnsupportedDTypeException($"safetensors dtype {type.HeaderName()} has no Meridian tensor type");

    /// <summary>The safetensors type for a plain Meridian type; false for quantized (block) types.</summary>
    public static bool TryFromDType(DType dtype, out SafetensorsDType type)
    {
        SafetensorsDType? mapped = dtype switch
        {
            DType.F64 => SafetensorsDType.F64,
            DType.F32 => SafetensorsDType.F32,
            DType.F16 => SafetensorsDType.F16,
            DType.BF16 => SafetensorsDType.BF16,
            DType.I64 => SafetensorsDType.I64,
            DType.I32 => SafetensorsDType.I32,
            DType.I16 => SafetensorsDType.I16,
            DType.I8 => SafetensorsDType.I8,
            _ => null,
        };
        type = mapped.GetValueOrDefault();
        return mapped.HasValue;
    }

    /// <summary>
    /// Bytes taken by a tensor of <paramref name="shape"/>, overflow-checked. Null when the
    /// product overflows, a dimension is negative, or the bit count is not a whole number of bytes.
    /// </summary>
    internal static long? TryByteSize(SafetensorsDType type, ReadOnlySpan<long> shape, out string? why)
    {
        long elements = 1;
        foreach (long d in shape)
        {
            if (d < 0)
            {
                why = $"dimension {d} is negative";
                return null;
            }
            if (d != 0 && elements > long.MaxValue / d)
            {
                why = "the product of the shape overflows a 64-bit count";
                return null;
            }
            elements *= d;
        }
        int bits = type.BitSize();
        if (elements > long.MaxValue / bits)
        {
            why = "the byte size overflows a 64-bit count";
            return null;
        }
        long totalBits = elements * bits;
        if (totalBits % 8 != 0)
        {
            why = $"{elements} elements of {bits} bits do not fill a whole number of bytes";
            return null;
        }
        why = null;
        return totalBits / 8;
    }
}
