// The layer-granularity ops of the backend contract; a device answers Supports(op, dtype) for each.
namespace Meridian.Core.Backends;

/// <summary>An operation of <see cref="IComputeStream"/>.</summary>
public enum BackendOp
{
    /// <summary>Rows of a table (any weight dtype) gathered into f32 activations.</summary>
    EmbeddingLookup,

    /// <summary>y = x · Wᵀ with W in its stored dtype.</summary>
    MatMul,

    /// <summary>Root-mean-square normalisation with a per-channel weight.</summary>
    RmsNorm,

    /// <summary>Rotary position embedding, both layouts.</summary>
    Rope,

    /// <summary>Causal grouped-query attention over a KV cache.</summary>
    Attention,

    /// <summary>silu(gate) · up.</summary>
    SwiGlu,

    /// <summary>Element-wise add, with row broadcast.</summary>
    Add,

    /// <summary>Row-wise softmax.</summary>
    Softmax,

    /// <summary>Copy of f32 rows (KV cache writes, host transfers).</summary>
    Copy,
}
