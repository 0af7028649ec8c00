// Hugging Face safetensors weights, asked for by GGUF names: each architecture says its HF names (the Llama
// family's are written here once: transformers modeling_llama / modeling_qwen2 / modeling_qwen3 parameter names).
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Meridian.Core;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;
using Meridian.Formats.Safetensors;

namespace Meridian.Models.Weights;

/// <summary>
/// Weights of an HF safetensors directory (sharded or not), in place in the memory maps; <paramref name="names"/>
/// gives the HF name of a GGUF name (the architecture's; the Llama family's <see cref="HfName"/> when null).
/// </summary>
public sealed partial class SafetensorsWeightSource(SafetensorsModel model, Func<string, string?>? names = null) : WeightSource
{
    private readonly Func<string, string?> _names = names ?? HfName;

    private static readonly Dictionary<string, string> LayerNames = new()
    {
        ["attn_norm"] = "input_layernorm",
        ["attn_q"] = "self_attn.q_proj",
        ["attn_k"] = "self_attn.k_proj",
        ["attn_v"] = "self_attn.v_proj",
        ["attn_output"] = "self_attn.o_proj",
        ["attn_q_norm"] = "self_attn.q_norm",
        ["attn_k_norm"] = "self_attn.k_norm",
        ["ffn_norm"] = "post_attention_layernorm",
        ["ffn_gate"] = "mlp.gate_proj",
        ["ffn_up"] = "mlp.up_proj",
        ["ffn_down"] = "mlp.down_proj",
        // Qwen3-MoE and OLMoE: the router and the experts ({e} is the expert's index).
        ["ffn_gate_inp"] = "mlp.gate",
        ["ffn_gate_exps"] = "mlp.experts.{e}.gate_proj",
        ["ffn_up_exps"] = "mlp.experts.{e}.up_proj",
        ["ffn_down_exps"] = "mlp.experts.{e}.down_proj",
    };

    /// <summary>Mixtral's names for the router and experts (w1 = gate, w3 = up, w2 = down); the rest as Llama.</summary>
    public static string? MixtralHfName(string ggufName) => MapName(ggufName, MixtralLayerNames, GlobalNames);

    private static readonly Dictionary<string, string> MixtralLayerNames = new(LayerNames.Where(p => !p.Key.StartsWith("ffn_", StringComparison.Ordinal) || p.Key == "ffn_norm"))
    {
        ["ffn_gate_inp"] = "block_sparse_moe.gate",
        ["ffn_gate_exps"] = "block_sparse_moe.experts.{e}.w1",
        ["ffn_up_exps"] = "block_sparse_moe.experts.{e}.w3",
        ["ffn_down_exps"] = "block_sparse_moe.experts.{e}.w2",
    };

    /// <summary>Hugging Face's names for the tensors outside the layers, the same in every decoder it writes.</summary>
    internal static readonly IReadOnlyDictionary<string, string> GlobalNames = new Dictionary<string, string>
    {
        ["token_embd"] = "model.embed_tokens",
        ["output_norm"] = "model.norm",
        ["output"] = "lm_head",
    };

    /// <inheritdoc />
    public override string Origin => model.Directory;

    /// <inheritdoc />
    protected internal override string StoredName(string fullName) => _names(fullName) ?? fullName;

    /// <summary>The HF name of a GGUF-style name in the Llama family, or null when the model has no such weight.</summary>
    public static string? HfName(string ggufName) => MapName(ggufName, LayerNames, GlobalNames);

    /// <summary>
    /// The HF name of a GGUF-style name through an architecture's tables: per-layer names ("attn_q" →
    /// "self_attn.q_proj" under model.layers.N) and global ones ("token_embd" → "model.embed_tokens"); null when neither has it.
    /// </summary>
    public static string? MapName(string ggufName, IReadOnlyDictionary<string, string> layerNames, IReadOnlyDictionary<string, string> globalNames)
    {
        // An expert of a mixture-of-experts tensor ("blk.3.ffn_gate_exps.5.weight"): a per-layer name with "{e}".
        var x = ExpertLayerName().Match(ggufName);
        if (x.Success)
            return layerNames.TryGetValue(x.Groups[2].Value, out var en) && en.Contains("{e}", StringComparison.Ordinal)
                ? $"model.layers.{x.Groups[1].Value}.{en.Replace("{e}", x.Groups[3].Value, StringComparison.Ordinal)}.{x.Groups[4].Value}" : null;
        var m = LayerName().Match(ggufName);
        if (m.Success)
            return layerNames.TryGetValue(m.Groups[2].Value, out var n) ? $"model.layers.{m.Groups[1].Value}.{n}.{m.Groups[3].Value}" : null;
        int dot = ggufName.LastIndexOf('.');
        return dot > 0 && globalNames.TryGetValue(ggufName[..dot], out var g) ? g + ggufName[dot..] : null;
    }

    /// <inheritdoc />
    protected internal override unsafe WeightData? Find(string fullName)
    {
        string? hf = _names(fullName);
        if (hf is null || !model.TryGetTensor(hf, out var info))
            return null;
        var type = info.DType switch
        {
            SafetensorsDType.F32 => DType.F32,
            SafetensorsDType.F16 => DType.F16,
            SafetensorsDType.BF16 => DType.BF16,
            _ => throw new ModelFormatException($"{model.Directory}: tensor '{hf}' has dtype {info.DType}; only F32, F16 and BF16 are supported"),
        };
        var s = info.Shape;
        if (s.Length is 0 or > 2 || s[^1] > int.MaxValue || (s.Length == 2 ? s[0] : 1) > int.MaxValue)
            throw new ModelFormatException($"{model.Directory}: tensor '{hf}' has shape [{string.Join(", ", s)}]; a 1-D or 2-D weight was expected");
        var data = model.GetTensorData(hf);
        // Row-major [out, in] is ggml's [ne1 = out, ne0 = in]: the same bytes, no transpose.
        return new WeightData(hf, type, s.Length == 2 ? (int)s[0] : 1, (int)s[^1],
            (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(data)), data.Length);
    }

    [GeneratedRegex(@"^blk\.(\d+)\.(\w+)\.(weight|bias)$")]
    private static partial Regex LayerName();

    [GeneratedRegex(@"^blk\.(\d+)\.(\w+)\.(\d+)\.(weight|bias)$")]
    private static partial Regex ExpertLayerName();
}
