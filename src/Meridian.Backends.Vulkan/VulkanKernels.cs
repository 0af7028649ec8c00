// Which shader variant runs which (op, dtype), and the push-constant writer: operand addresses first (uvec2 each,
// std430), then the shape as u32/f32, exactly as each shader in Shaders/ declares its block.
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Backends.Vulkan;

/// <summary>The matmul kernel families (Shaders/matmul_rows.comp and matmul.comp).</summary>
internal enum MatMulKernels
{
    /// <summary>One invocation per weight row, no shared memory or barriers: for CPU implementations.</summary>
    Rows,

    /// <summary>A work group per row (tiles of 4 rows for batches), the reduction tree in shared memory.</summary>
    Groups,

    /// <summary>As <see cref="Groups"/>, the tree's levels within a subgroup by subgroupShuffleXor.</summary>
    Subgroups,
}

internal static class VulkanKernels
{
    /// <summary>The matmul variant for <paramref name="kernels"/> and a batch of <paramref name="tokens"/> rows.</summary>
    public static string MatMulShader(MatMulKernels kernels, DType type, long tokens)
    {
        string t = type.Name().ToLowerInvariant();
        return kernels switch
        {
            MatMulKernels.Rows => "matmul_rows_" + t,
            MatMulKernels.Groups => (tokens > 1 ? "matmul_tiled_" : "matmul_") + t,
            _ => (tokens > 1 ? "matmul_tiled_sg_" : "matmul_sg_") + t,
        };
    }

    /// <summary>Weight rows one work group of <paramref name="kernels"/>' variant for that batch computes.</summary>
    public static int MatMulRowsPerGroup(MatMulKernels kernels, long tokens) =>
        kernels == MatMulKernels.Rows ? 64 : tokens > 1 ? 4 : 1;

    /// <summary>
    /// The matmul kernels for a device: a row per invocation on CPU implementations (lavapipe: llvmpipe runs barriers
    /// as coroutine switches), a work group per row (4-row tiles for batches) elsewhere, finishing the reduction with
    /// subgroup shuffles where compute shaders have them on power-of-two subgroups of at most 64 lanes.
    /// MERIDIAN_VULKAN_MATMUL=rows|groups|subgroups overrides the choice (every family gives the same sums in the
    /// same order, so tests run each on any device that has what it needs).
    /// </summary>
    public static MatMulKernels ChooseMatMul(VulkanDeviceInfo info, string? overrideName)
    {
        bool subgroups = info.SubgroupShuffle && info.SubgroupSize is >= 1 and <= 64 && (info.SubgroupSize & (info.SubgroupSize - 1)) == 0;
        if (!string.IsNullOrEmpty(overrideName))
        {
            return overrideName.ToLowerInvariant() switch
            {
                "rows" => MatMulKernels.Rows,
                "groups" => MatMulKernels.Groups,
                "subgroups" when subgroups => MatMulKernels.Subgroups,
                "subgroups" => throw new ArgumentException(
                    $"MERIDIAN_VULKAN_MATMUL=subgroups, but {info.Name} has no subgroup shuffles in compute shaders on power-of-two subgroups of at most 64 lanes (its subgroup: {info.SubgroupSize} lanes, shuffle {(info.SubgroupShuffle ? "yes" : "no")})"),
                _ => throw new ArgumentException($"MERIDIAN_VULKAN_MATMUL={overrideName} is not one of rows, groups, subgroups"),
            };
        }
        return info.Type == Vortice.Vulkan.VkPhysicalDeviceType.Cpu ? MatMulKernels.Rows
            : subgroups ? MatMulKernels.Subgroups
            : MatMulKernels.Groups;
    }

    /// <summary>What `meridian devices` says about a matmul kernel family.</summary>
    public static string Describe(MatMulKernels kernels) => kernels switch
    {
        MatMulKernels.Rows => "row per invocation",
        MatMulKernels.Groups => "work group per row, 4-row tiles for batches, shared-memory reduction",
        _ => "work group per row, 4-row tiles for batches, subgroup-shuffle reduction",
    };

    public static string EmbeddingShader(DType type) => "embedding_" + type.Name().ToLowerInvariant();

    /// <summary>Keys per chunk of a split attention (CHUNK in paged_attention.comp and attention_combine.comp).</summary>
    public const int AttentionChunk = 256;

    public static string AttentionShader(DType kv, bool split) =>
        (split ? "paged_attention_split_" : "paged_attention_") + (kv == DType.F16 ? "f16" : "f32");

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
        BackendOp.GeGlu => "geglu",
        BackendOp.Scale => "scale",
        BackendOp.Softcap => "softcap",
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
