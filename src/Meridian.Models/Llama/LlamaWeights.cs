// Read-only weights of a Llama-family model as device tensors (views into the memory map on the CPU).
// Every weight name is asked for here once, in GGUF spelling; the WeightSource maps other formats. Plan
// reads only the file's headers (names, dtypes, shapes), so the loader can check the device before any
// weight's bytes are touched; Load then puts each weight on the device.
using Meridian.Core.Backends;
using Meridian.Core.Tensors;
using Meridian.Models.Architectures;
using Meridian.Models.Weights;

namespace Meridian.Models.Llama;

/// <summary>One transformer block's weights. Matrices are [out, in] in their stored dtype; norms [1, width] f32.</summary>
public sealed record LlamaLayerWeights(
    DeviceTensor AttnNorm,     // [1, D]
    DeviceTensor Wq,           // [H·Dh, D]
    DeviceTensor Wk,           // [Hkv·Dh, D]
    DeviceTensor Wv,           // [Hkv·Dh, D]
    DeviceTensor Wo,           // [D, H·Dh]
    DeviceTensor? Bq,          // [1, H·Dh]   (Qwen2)
    DeviceTensor? Bk,          // [1, Hkv·Dh] (Qwen2)
    DeviceTensor? Bv,          // [1, Hkv·Dh] (Qwen2)
    DeviceTensor? QNorm,       // [1, Dh]     (Qwen3; OLMoE: [1, H·Dh])
    DeviceTensor? KNorm,       // [1, Dh]     (Qwen3; OLMoE: [1, Hkv·Dh])
    DeviceTensor FfnNorm,      // [1, D]
    DeviceTensor? WGate,       // [F, D]      (dense)
    DeviceTensor? WUp,         // [F, D]      (dense)
    DeviceTensor? WDown,       // [D, F]      (dense)
    DeviceTensor? Router = null,  // [E, D] (mixture of experts)
    ExpertSet? Experts = null);   // E × gate, up [F, D] and down [D, F] (mixture of experts)

/// <summary>All weights of a Llama-family model.</summary>
public sealed record LlamaWeights(
    DeviceTensor TokenEmbedding,  // [V, D]
    IReadOnlyList<LlamaLayerWeights> Layers,
    DeviceTensor OutputNorm,      // [1, D]
    DeviceTensor Output)          // [V, D]; the embedding itself when tied
    : IDisposable
{
    private ArchWeights? _loaded; // the buffers Load put on the device

    /// <summary>
    /// Frees every weight buffer the device owns (packed matrices, decoded norm vectors); views of the
    /// memory map free nothing. The model disposes its weights with itself.
    /// </summary>
    public void Dispose() => _loaded?.Dispose();

    /// <summary>
    /// Every weight <paramref name="c"/> names (<see cref="LlamaConfig.Tensors"/>, the list the converter writes too), from
    /// the file's headers only (no weight bytes are read), checked for presence and shape: the loader's list for the
    /// device check and for <see cref="Load"/>.
    /// </summary>
    public static IReadOnlyList<PlannedWeight> Plan(WeightSource source, LlamaConfig c) => ArchWeights.Plan(source, c.Tensors(), hf: false);

    /// <summary>
    /// Loads the weights of <paramref name="plan"/> onto <paramref name="device"/>, reporting bytes done to
    /// <paramref name="progress"/> (out of the plan's total).
    /// </summary>
    public static LlamaWeights Load(IReadOnlyList<PlannedWeight> plan, LlamaConfig c, IDevice device, IProgress<long>? progress = null)
    {
        var loaded = ArchWeights.Load(plan, device, progress);
        DeviceTensor Get(string name) => loaded[name];
        DeviceTensor? Opt(string name) => loaded.Opt(name);

        var layers = new LlamaLayerWeights[c.NumHiddenLayers];
        for (int i = 0; i < layers.Length; i++)
        {
            string b = $"blk.{i}.";
            layers[i] = new LlamaLayerWeights(
                AttnNorm: Get(b + "attn_norm.weight"),
                Wq: Get(b + "attn_q.weight"),
                Wk: Get(b + "attn_k.weight"),
                Wv: Get(b + "attn_v.weight"),
                Wo: Get(b + "attn_output.weight"),
                Bq: Opt(b + "attn_q.bias"),
                Bk: Opt(b + "attn_k.bias"),
                Bv: Opt(b + "attn_v.bias"),
                QNorm: Opt(b + "attn_q_norm.weight"),
                KNorm: Opt(b + "attn_k_norm.weight"),
                FfnNorm: Get(b + "ffn_norm.weight"),
                WGate: Opt(b + "ffn_gate.weight"),
                WUp: Opt(b + "ffn_up.weight"),
                WDown: Opt(b + "ffn_down.weight"),
                Router: Opt(b + "ffn_gate_inp.weight"),
                Experts: c.IsMoe ? Experts(b) : null);
        }
        ExpertSet Experts(string b)
        {
            DeviceTensor[] Kind(string name) => Enumerable.Range(0, c.ExpertCount).Select(e => Get(b + WeightSource.ExpertName(name, e))).ToArray();
            return new ExpertSet(Kind("ffn_gate_exps.weight"), Kind("ffn_up_exps.weight"), Kind("ffn_down_exps.weight"), ExpertActivation.SwiGlu);
        }
        var embedding = Get("token_embd.weight");
        return new LlamaWeights(embedding, layers, Get("output_norm.weight"), Opt("output.weight") ?? embedding) { _loaded = loaded };
    }
}
