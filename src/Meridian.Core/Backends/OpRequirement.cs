// One (op, dtype) a model needs from its device, with what needs it, for the check before any weight is read.
using Meridian.Core.Tensors;

namespace Meridian.Core.Backends;

/// <summary><paramref name="Op"/> keyed on <paramref name="Type"/>, needed by <paramref name="Use"/> ("blk.0.attn_q.weight", "KV cache").</summary>
public readonly record struct OpRequirement(BackendOp Op, DType Type, string Use)
{
    /// <inheritdoc />
    public override string ToString() => $"{Op.Name()} on {Type.Name()} (for {Use})";
}

/// <summary>A model needs an (op, dtype) its device does not declare, and no fallback was allowed.</summary>
public sealed class UnsupportedOpException(string message) : MeridianException(message);
