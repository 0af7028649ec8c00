// Which shader variant runs which (op, dtype), and the push-constant writer: operand addresses first (uvec2 each,
// std430), then the shape as u32/f32, exactly as each shader in Shaders/ declares its block.
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Backends.Vulkan;

internal static class VulkanKernels
{
    public static string MatMulShader(DType type) => "matmul_" + type.Name().ToLowerInvariant();

    /// <summary>The matmul variant for devices that run shaders on a CPU (lavapipe): an invocation per row, no barriers.</summary>
    public static string MatMulRowsShader(DType type) => "matmul_rows_" + type.Name().ToLowerInvariant();

    public static string EmbeddingShader(DType type) => "embedding_" + type.Name().ToLowerInvariant();

    public static string AttentionShader(DType kv) => kv == DType.F16 ? "paged_attention_f16" : "paged_attention_f32";

    public static string ScatterShader(DType dst) => dst == DType.F16 ? "scatter_rows_f16" : "scatter_rows_f32";

    /// <summary>The shader of an F32-keyed op; null for the ops keyed on other dtypes.</summary>
    public static string? ShaderOf(BackendOp op) => op switch
    {
        BackendOp.RmsNorm => "rms_norm",
        BackendOp.Rope => "rope",
        BackendOp.GatherRows => "gather_rows",
        BackendOp.SwiGlu => "swiglu",
        BackendOp.Add => "add",
        BackendOp.Softmax => "softmax",
        BackendOp.ArgMax => "argmax",
        _ => null,
    };

    /// <summary>Work groups for a grid-stride loop over <paramref name="n"/> items, 64 per group.</summary>
    public static uint GridGroups(long n) => (uint)Math.Clamp((n + 63) / 64, 1, 65535);
}

/// <summary>Builds one push-constant block: <see cref="Address"/>es first, then scalars.</summary>
internal ref struct PushConstants(Span<byte> bytes)
{
    private readonly Span<byte> _bytes = bytes;
    private int _at;

    public readonly ReadOnlySpan<byte> Written => _bytes[..((_at + 3) & ~3)];

    public void Address(ulong address)
    {
        _at = (_at + 7) & ~7;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(_bytes[_at..], address);
        _at += 8;
    }

    public void U32(long value)
    {
        if (value is < 0 or > uint.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(value), $"{value} does not fit the shader's u32");
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(_bytes[_at..], (uint)value);
        _at += 4;
    }

    public void F32(float value)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(_bytes[_at..], value);
        _at += 4;
    }
}
