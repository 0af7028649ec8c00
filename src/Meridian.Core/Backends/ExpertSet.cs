// The experts of one mixture-of-experts feed-forward layer as the contract passes them: E gated feed-forward
// networks, each three matrices loaded like any weight (a device may keep each in its own layout), and the
// activation between them. GGUF stores each kind as one 3-D tensor [E, rows, cols]; the loader hands its
// experts over as row views of it, so decoding reads only the experts a token chose.
namespace Meridian.Core.Backends;

/// <summary>The activation of an expert's gated feed-forward.</summary>
public enum ExpertActivation
{
    /// <summary>silu(gate) · up (Mixtral, Qwen3-MoE, OLMoE).</summary>
    SwiGlu,

    /// <summary>
    /// GPT-OSS's clamped form (contract 1.1): g = min(gate, 7), u = clamp(up, −7, 7), g · σ(1.702 g) · (u + 1).
    /// </summary>
    SwiGluOai,
}

/// <summary>
/// E experts: <see cref="Gate"/>[e] and <see cref="Up"/>[e] [F, D], <see cref="Down"/>[e] [D, F]. Each kind has one dtype
/// (GGUF stores it as one tensor), the kinds may differ (Q4_K_M's Q6_K down experts): the device must support
/// <see cref="BackendOp.MoeFeedForward"/> keyed on each of them.
/// </summary>
public sealed record ExpertSet(IReadOnlyList<DeviceTensor> Gate, IReadOnlyList<DeviceTensor> Up, IReadOnlyList<DeviceTensor> Down, ExpertActivation Activation)
{
    /// <summary>GPT-OSS's clamped SwiGLU: σ's slope and the clamp.</summary>
    public const float OaiAlpha = 1.702f, OaiLimit = 7f;

    /// <summary>Per-expert biases added after the gate product, [E, F] f32 (row e for expert e), or null. Contract 1.1.</summary>
    public DeviceTensor? GateBias { get; init; }

    /// <summary>Per-expert biases added after the up product, [E, F] f32, or null.</summary>
    public DeviceTensor? UpBias { get; init; }

    /// <summary>Per-expert biases added after the down product, [E, D] f32, or null.</summary>
    public DeviceTensor? DownBias { get; init; }

    /// <summary>E: the number of experts.</summary>
    public int Count => Gate.Count;

    /// <summary>The gate experts' dtype (what an op routed by dtype is keyed on).</summary>
    public Tensors.DType Type => Gate[0].Type;

    /// <summary>F: an expert's hidden width.</summary>
    public int Hidden => Gate[0].Rows;

    /// <summary>D: the model width.</summary>
    public int Width => Gate[0].Cols;

    /// <summary>Checks the three lists are E experts of one dtype and consistent shapes; the message names the first mismatch.</summary>
    public void Validate()
    {
        if (Gate.Count == 0 || Up.Count != Gate.Count || Down.Count != Gate.Count)
            throw new ArgumentException($"experts: {Gate.Count} gate, {Up.Count} up and {Down.Count} down matrices (one of each per expert, at least one)");
        void Bias(DeviceTensor? b, int cols, string name)
        {
            if (b is { } t && (t.Type != Tensors.DType.F32 || t.Rows != Gate.Count || t.Cols != cols))
                throw new ArgumentException($"experts: {name} biases are [{t.Rows}, {t.Cols}] {t.Type}; expected [{Gate.Count}, {cols}] f32");
        }
        Bias(GateBias, Hidden, "gate");
        Bias(UpBias, Hidden, "up");
        Bias(DownBias, Width, "down");
        for (int e = 0; e < Gate.Count; e++)
        {
            if (Gate[e].Type != Gate[0].Type || Up[e].Type != Up[0].Type || Down[e].Type != Down[0].Type)
                throw new ArgumentException($"experts: expert {e} has dtypes ({Gate[e].Type}, {Up[e].Type}, {Down[e].Type}), expert 0 " +
                    $"({Gate[0].Type}, {Up[0].Type}, {Down[0].Type}); each kind must have one dtype");
            if (Gate[e].Rows != Hidden || Gate[e].Cols != Width || Up[e].Rows != Hidden || Up[e].Cols != Width || Down[e].Rows != Width || Down[e].Cols != Hidden)
                throw new ArgumentException($"experts: expert {e} has gate [{Gate[e].Rows}, {Gate[e].Cols}], up [{Up[e].Rows}, {Up[e].Cols}], " +
                    $"down [{Down[e].Rows}, {Down[e].Cols}]; expected [{Hidden}, {Width}], [{Hidden}, {Width}], [{Width}, {Hidden}]");
        }
    }
}
