// One (op, dtype) a model needs from its device, with what needs it, for the check before any weight is read.
using Meridian.Core.Tensors;

namespace Meridian.Core.Backends;

/// <summary>
/// <paramref name="Op"/> keyed on <paramref name="Type"/>, needed by <paramref name="Use"/> ("blk.0.attn_q.weight", "KV cache"),
/// in <paramref name="Variant"/> when not null (<see cref="IDevice.SupportsVariant"/>).
/// </summary>
public readonly record struct OpRequirement(BackendOp Op, DType Type, string Use, string? Variant = null)
{
    /// <summary>Whether <paramref name="device"/> runs this: the pair, and the variant when there is one.</summary>
    public bool IsMetBy(IDevice device) => device.Supports(Op, Type) && (Variant is null || device.SupportsVariant(Op, Variant));

    /// <summary>The op, its variant if any, and the dtype: "rope (rope.partial_and_attn_factor) on f32".</summary>
    public string Pair => $"{Op.Name()}{(Variant is null ? "" : $" ({Variant})")} on {Type.Name()}";

    /// <inheritdoc />
    public override string ToString() => $"{Pair} (for {Use})";
}

/// <summary>A model needs an (op, dtype) its device does not declare, and no fallback was allowed.</summary>
public sealed class UnsupportedOpException(string message) : MeridianException(message);
