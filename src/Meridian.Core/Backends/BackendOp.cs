// Every op of the backend contract, one entry per IComputeStream method that computes (MatMulShared is
// MatMul). A device answers Supports(op, dtype) for each; the dtype each op is keyed on is stated here.
namespace Meridian.Core.Backends;

/// <summary>An operation of <see cref="IComputeStream"/>, as <see cref="IDevice.Supports"/> is asked about it.</summary>
public enum BackendOp
{
    /// <summary>Rows of a table gathered into f32 activations. Keyed on the table's dtype.</summary>
    EmbeddingLookup,

    /// <summary>y = x · Wᵀ (and MatMulShared). Keyed on the weight's dtype.</summary>
    MatMul,

    /// <summary>Root-mean-square normalisation with a per-channel weight. Keyed on F32.</summary>
    RmsNorm,

    /// <summary>Rotary position embedding, both layouts, optional frequency factors. Keyed on F32.</summary>
    Rope,

    /// <summary>Grouped-query attention over the paged KV cache (scale, sliding window, softcap). Keyed on the KV dtype.</summary>
    PagedAttention,

    /// <summary>f32 rows written to the rows of a KV cache, converting to its dtype. Keyed on the destination dtype.</summary>
    ScatterRows,

    /// <summary>Rows of an f32 tensor gathered by index (the logit rows). Keyed on F32.</summary>
    GatherRows,

    /// <summary>silu(gate) · up. Keyed on F32.</summary>
    SwiGlu,

    /// <summary>Element-wise add, with row broadcast. Keyed on F32.</summary>
    Add,

    /// <summary>Row-wise softmax. Keyed on F32.</summary>
    Softmax,

    /// <summary>Byte copy between two views of one dtype (copy-on-write of KV blocks). Keyed on that dtype.</summary>
    Copy,

    /// <summary>Index of each row's largest value, ties to the lowest index (greedy decoding on the device). Keyed on F32.</summary>
    ArgMax,

    /// <summary>gelu_tanh(gate) · up (Gemma's feed-forward). Keyed on F32. Contract 1.1.</summary>
    GeGlu,

    /// <summary>x · s (Gemma's embedding scale). Keyed on F32. Contract 1.1.</summary>
    Scale,

    /// <summary>cap · tanh(x / cap) (Gemma 2's final logits). Keyed on F32. Contract 1.1.</summary>
    Softcap,

    /// <summary>Softmax then top-k of the router's scores (mixture of experts). Keyed on F32. Contract 1.1.</summary>
    MoeRoute,

    /// <summary>The chosen experts' gated feed-forwards, weighted and summed. Keyed on the experts' dtype. Contract 1.1.</summary>
    MoeFeedForward,
}

/// <summary>Every <see cref="BackendOp"/>, in declaration order.</summary>
public static class BackendOps
{
    /// <summary>All ops of contract <see cref="BackendContract.Version"/>.</summary>
    public static IReadOnlyList<BackendOp> All { get; } = Enum.GetValues<BackendOp>();

    /// <summary>The op's name as docs, the conformance kit and `meridian devices` print it ("paged_attention").</summary>
    public static string Name(this BackendOp op) => op switch
    {
        BackendOp.EmbeddingLookup => "embedding_lookup",
        BackendOp.MatMul => "matmul",
        BackendOp.RmsNorm => "rms_norm",
        BackendOp.Rope => "rope",
        BackendOp.PagedAttention => "paged_attention",
        BackendOp.ScatterRows => "scatter_rows",
        BackendOp.GatherRows => "gather_rows",
        BackendOp.SwiGlu => "swiglu",
        BackendOp.Add => "add",
        BackendOp.Softmax => "softmax",
        BackendOp.Copy => "copy",
        BackendOp.ArgMax => "argmax",
        BackendOp.GeGlu => "geglu",
        BackendOp.Scale => "scale",
        BackendOp.Softcap => "softcap",
        BackendOp.MoeRoute => "moe_route",
        BackendOp.MoeFeedForward => "moe_ffn",
        _ => op.ToString().ToLowerInvariant(),
    };
}
