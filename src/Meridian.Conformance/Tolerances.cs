// The error bounds of the conformance kit: normalised mean squared error, NMSE = Σ(a − r)² / Σr² over an
// output, a the device's values and r the reference's (ggml test-backend-ops' measure and, where an op has
// an equivalent there, its threshold). Stated in docs/backends.md; change both together.
using Meridian.Core.Backends;

namespace Meridian.Conformance;

/// <summary>Per-op NMSE bounds, and the bounds of the model level.</summary>
public static class Tolerances
{
    /// <summary>ggml's default (max_nmse_err 1e-7): f32 arithmetic in another order, fused multiply-adds, vector exp/sin/cos.</summary>
    public const double Default = 1e-7;

    /// <summary>
    /// MatMul on every weight dtype: ggml's test_mul_mat bound. It leaves room for a device that quantizes the
    /// activations to int8 per block (the CPU for q4_0..q8_0, iq4_nl and the k-quants; ggml's Q8_0/Q8_K
    /// vec_dot_type) or runs f16 arithmetic; the reference keeps activations in f32 and decodes weights exactly.
    /// A misread block (wrong dtype, wrong scale, wrong nibble order) gives NMSE near 1.
    /// </summary>
    public const double MatMul = 5e-4;

    /// <summary>PagedAttention over F32 or F16 caches: ggml's test_flash_attn_ext bound (f16 accumulation allowed).</summary>
    public const double PagedAttention = 5e-4;

    /// <summary>Softmax: ggml's soft_max bound (a vectorised exp).</summary>
    public const double Softmax = 1e-6;

    /// <summary>
    /// RoPE: positions up to 4095 make the angle pos · θ^(−2i/Dh) large, and a device that computes it as
    /// pos · freq in f32 (or from a table) differs from the reference's by a few ulps of the angle.
    /// </summary>
    public const double Rope = 1e-6;

    /// <summary>Copies, scatters (including the f32 → f16 rounding, to nearest even), gathers and argmax: bit-exact.</summary>
    public const double Exact = 0;

    /// <summary>
    /// Model level: every step's logits against the reference device's. Errors compound over the layers: the
    /// CPU's int8 activations give up to 1e-3 on stories260K's mixed q4_K_M/q6_K files (Q5_0 and Q8_0 rows of 172)
    /// and 4e-4 on the synthetic models; a wrong op gives NMSE of order 1.
    /// </summary>
    public const double ModelLogits = 5e-3;

    /// <summary>
    /// Model level, greedy tokens: where the device's greedy token differs from the reference's, the step still
    /// passes when the reference's logits of the two tokens differ by at most this fraction of the RMS of that
    /// logits row (a near tie, vLLM's check_logprobs_close idea). It matches <see cref="ModelLogits"/>: at that
    /// NMSE each logit may be off by about 7% of the RMS, so two may swap across a gap of twice that.
    /// </summary>
    public const double GreedyNearTie = 0.15;

    /// <summary>
    /// Model level: a sequence's logits in a batch of eight against the same sequence alone, on the device:
    /// equal. Meridian promises that batching never changes a result (the CPU computes each row the same way
    /// whatever the batch); a device whose kernels change with the batch size (another reduction order, f16 for
    /// batches) breaks that promise even when every op is within its own bound.
    /// </summary>
    public const double BatchInvariance = 0;

    /// <summary>The NMSE bound of <paramref name="op"/>.</summary>
    public static double For(BackendOp op) => op switch
    {
        BackendOp.MatMul or BackendOp.MoeFeedForward => MatMul,
        BackendOp.PagedAttention => PagedAttention,
        BackendOp.Softmax => Softmax,
        BackendOp.Rope => Rope,
        BackendOp.ScatterRows or BackendOp.GatherRows or BackendOp.Copy or BackendOp.ArgMax => Exact,
        _ => Default,
    };
}
