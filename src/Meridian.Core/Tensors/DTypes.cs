// Lookup and size arithmetic over DType. All size maths is checked: sizes come from
// untrusted file headers, so an overflow must become an error, never a wrapped number.
using System.Collections.Frozen;

namespace Meridian.Core.Tensors;

/// <summary>Type traits for <see cref="DType"/> and overflow-checked size arithmetic.</summary>
public static class DTypes
{
    private static readonly FrozenDictionary<DType, DTypeInfo> Table = new DTypeInfo[]
    {
        new(DType.F32, "f32", 1, 4, true, true),
        new(DType.F16, "f16", 1, 2, true, true),
        new(DType.Q4_0, "q4_0", 32, 18, true, true),
        new(DType.Q4_1, "q4_1", 32, 20, true, true),
        new(DType.Q4_2, "q4_2", 32, 0, false, false),
        new(DType.Q4_3, "q4_3", 32, 0, false, false),
        new(DType.Q5_0, "q5_0", 32, 22, true, true),
        new(DType.Q5_1, "q5_1", 32, 24, true, true),
        new(DType.Q8_0, "q8_0", 32, 34, true, true),
        new(DType.Q8_1, "q8_1", 32, 36, false, false),
        new(DType.Q2_K, "q2_K", 256, 84, true, false),
        new(DType.Q3_K, "q3_K", 256, 110, true, false),
        new(DType.Q4_K, "q4_K", 256, 144, true, true),
        new(DType.Q5_K, "q5_K", 256, 176, true, true),
        new(DType.Q6_K, "q6_K", 256, 210, true, true),
        new(DType.Q8_K, "q8_K", 256, 292, false, false),
        new(DType.IQ2_XXS, "iq2_xxs", 256, 66, false, false),
        new(DType.IQ2_XS, "iq2_xs", 256, 74, false, false),
        new(DType.IQ3_XXS, "iq3_xxs", 256, 98, false, false),
        new(DType.IQ1_S, "iq1_s", 256, 50, false, false),
        new(DType.IQ4_NL, "iq4_nl", 32, 18, true, false),
        new(DType.IQ3_S, "iq3_s", 256, 110, false, false),
        new(DType.IQ2_S, "iq2_s", 256, 82, false, false),
        new(DType.IQ4_XS, "iq4_xs", 256, 136, true, false),
        new(DType.I8, "i8", 1, 1, false, false),
        new(DType.I16, "i16", 1, 2, false, false),
        new(DType.I32, "i32", 1, 4, false, false),
        new(DType.I64, "i64", 1, 8, false, false),
        new(DType.F64, "f64", 1, 8, false, false),
        new(DType.IQ1_M, "iq1_m", 256, 56, false, false),
        new(DType.BF16, "bf16", 1, 2, true, true),
        new(DType.Q4_0_4_4, "q4_0_4x4", 32, 0, false, false),
        new(DType.Q4_0_4_8, "q4_0_4x8", 32, 0, false, false),
        new(DType.Q4_0_8_8, "q4_0_8x8", 32, 0, false, false),
        new(DType.TQ1_0, "tq1_0", 256, 54, false, false),
        new(DType.TQ2_0, "tq2_0", 256, 66, false, false),
        new(DType.IQ4_NL_4_4, "iq4_nl_4x4", 32, 0, false, false),
        new(DType.IQ4_NL_4_8, "iq4_nl_4x8", 32, 0, false, false),
        new(DType.IQ4_NL_8_8, "iq4_nl_8x8", 32, 0, false, false),
        new(DType.MXFP4, "mxfp4", 32, 17, true, true),
    }.ToFrozenDictionary(i => i.Type);

    /// <summary>All known types, in id order.</summary>
    public static IEnumerable<DTypeInfo> All => Table.Values.OrderBy(i => (uint)i.Type);

    /// <summary>True when <paramref name="id"/> is a type id GGUF defines (including removed ones).</summary>
    public static bool IsKnownId(uint id) => Table.ContainsKey((DType)id);

    /// <summary>Traits of a known type; throws <see cref="UnsupportedDTypeException"/> for an unknown id.</summary>
    public static DTypeInfo Info(this DType type) =>
        Table.TryGetValue(type, out var info)
            ? info
            : throw new UnsupportedDTypeException($"unknown tensor type id {(uint)type}");

    /// <summary>The ggml name of a type, or "type#id" for an unknown id.</summary>
    public static string Name(this DType type) =>
        Table.TryGetValue(type, out var info) ? info.Name : $"type#{(uint)type}";

    /// <summary>Parses a ggml-style name ("q4_K", "Q4_K", "bf16"), case-insensitively.</summary>
    public static bool TryParse(string name, out DType type)
    {
        foreach (var info in Table.Values)
        {
            if (string.Equals(info.Name, name, StringComparison.OrdinalIgnoreCase) ||
                string.Equals(info.Type.ToString(), name, StringComparison.OrdinalIgnoreCase))
            {
                type = info.Type;
                return true;
            }
        }
        type = default;
        return false;
    }

    /// <summary>
    /// Bytes for <paramref name="elements"/> values of <paramref name="type"/>. Throws
    /// <see cref="UnsupportedDTypeException"/> for removed types and
    /// <see cref="ArgumentException"/> when the count is not a whole number of blocks;
    /// <see cref="OverflowException"/> when the result does not fit in a long.
    /// </summary>
    public static long ByteSize(this DType type, long elements)
    {
        var info = type.Info();
        if (info.IsRemoved)
            throw new UnsupportedDTypeException($"tensor type {info.Name} (id {(uint)type}) was removed from GGUF and has no known layout");
        ArgumentOutOfRangeException.ThrowIfNegative(elements);
        if (elements % info.BlockSize != 0)
            throw new ArgumentException($"{elements} elements is not a multiple of the {info.Name} block size {info.BlockSize}", nameof(elements));
        return checked(elements / info.BlockSize * info.TypeSize);
    }
}
