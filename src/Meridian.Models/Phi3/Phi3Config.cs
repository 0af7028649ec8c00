// Hyperparameters and tensors of Microsoft's Phi-3 and Phi-4-mini decoders (llama.cpp's "phi3"; transformers
// Phi3Config). The network is the Llama family's (RMSNorm, SwiGLU, rotate-half RoPE, GQA), so it runs through
// LlamaModel's forward pass; what is Phi's own lives here:
//   - fused weights: attn_qkv [q + 2·kv, D] (Q rows, then K, then V) and ffn_up [2F, D] (gate rows, then up), as
//     both the checkpoints and GGUF store them; split at load into row ranges of the mapped file (no copy), so
//     the CPU packs each part in its own layout and one shared-input matmul computes all three (or both);
//   - partial rotary embedding (Phi-4-mini: 96 of 128 dimensions per head turn);
//   - LongRoPE: per-frequency divisors for short contexts and for long ones (GGUF rope_factors_short/long tensors,
//     config.json rope_scaling short_factor/long_factor) and an attention factor sqrt(1 + ln(s) / ln(original))
//     on cos and sin, s = max_position_embeddings / original_max_position_embeddings. The long factors apply when
//     the context the model runs at exceeds the original one (llama.cpp decides on its context size the same way).
using Meridian.Core;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;
using Meridian.Formats.Gguf;
using Meridian.Formats.HuggingFace;
using Meridian.Models.Architectures;
using Meridian.Models.Llama;
using Meridian.Models.Weights;

namespace Meridian.Models.Phi3;

/// <summary>Immutable config of a Phi-3 / Phi-4-mini model. Names follow Hugging Face config.json.</summary>
public sealed record Phi3Config : DecoderConfig, IGgufConvertible
{
    /// <summary>Phi-3 in the architecture registry.</summary>
    public static ModelArchitecture Definition { get; } = new(["phi3"], ["phi3"], FromGguf, FromHf, HfName);

    private static readonly Dictionary<string, string> HfLayerNames = new()
    {
        ["attn_norm"] = "input_layernorm",
        ["attn_qkv"] = "self_attn.qkv_proj",
        ["attn_output"] = "self_attn.o_proj",
        ["ffn_norm"] = "post_attention_layernorm",
        ["ffn_up"] = "mlp.gate_up_proj",
        ["ffn_down"] = "mlp.down_proj",
    };

    public string Architecture => "phi3";

    public required int IntermediateSize { get; init; }

    /// <summary>R: the rotated width of each head (partial_rotary_factor · Dh; GGUF rope.dimension_count).</summary>
    public required int RotaryDim { get; init; }

    /// <summary>LongRoPE's context before scaling (original_max_position_embeddings); 0 when the model has no LongRoPE.</summary>
    public int OriginalContext { get; init; }

    /// <summary>LongRoPE divisors [R/2] for contexts up to <see cref="OriginalContext"/>, or null.</summary>
    public float[]? ShortFactors { get; init; }

    /// <summary>LongRoPE divisors [R/2] for longer contexts, or null.</summary>
    public float[]? LongFactors { get; init; }

    /// <summary>The factor RoPE multiplies cos and sin by (LongRoPE's attention factor); 1 without LongRoPE.</summary>
    public float AttnFactor { get; init; } = 1f;

    /// <summary>A sliding window on every layer (Phi-3-mini-4k: 2047); 0 = none.</summary>
    public int SlidingWindow { get; init; }

    /// <inheritdoc />
    public DecoderShape Shape => new(HiddenSize, IntermediateSize, NumHiddenLayers, NumAttentionHeads, NumKeyValueHeads, HeadDim, VocabSize);

    int IModelSpec.ContextLength => MaxPositionEmbeddings;

    /// <summary>The Hugging Face name of a GGUF tensor name (transformers modeling_phi3 parameter names).</summary>
    public static string? HfName(string ggufName) => SafetensorsWeightSource.MapName(ggufName, HfLayerNames, SafetensorsWeightSource.GlobalNames);

    /// <summary>The LongRoPE divisors for a run at <paramref name="context"/> positions: long past the original context, else short.</summary>
    public float[]? FactorsFor(int context) => OriginalContext > 0 && context > OriginalContext ? LongFactors : ShortFactors;

    /// <summary>The Llama-family config this model runs as, at <paramref name="context"/> positions (which picks LongRoPE's factors).</summary>
    public LlamaConfig ToLlama(int context) => new()
    {
        Architecture = "phi3",
        HiddenSize = HiddenSize,
        IntermediateSize = IntermediateSize,
        NumHiddenLayers = NumHiddenLayers,
        NumAttentionHeads = NumAttentionHeads,
        NumKeyValueHeads = NumKeyValueHeads,
        HeadDim = HeadDim,
        VocabSize = VocabSize,
        MaxPositionEmbeddings = MaxPositionEmbeddings,
        RmsNormEps = RmsNormEps,
        RopeTheta = RopeTheta,
        RopeLayout = RopeLayout.RotateHalf,
        RopeFreqFactors = FactorsFor(context),
        RopeRotaryDim = RotaryDim == HeadDim ? 0 : RotaryDim,
        RopeAttnFactor = AttnFactor,
        SlidingWindow = SlidingWindow,
    };

    /// <inheritdoc />
    public IEnumerable<ArchTensor> Tensors()
    {
        int d = HiddenSize, f = IntermediateSize, q = NumAttentionHeads * HeadDim, kv = NumKeyValueHeads * HeadDim;
        yield return new ArchTensor("token_embd.weight", VocabSize, d, WeightRole.Table);
        for (int i = 0; i < NumHiddenLayers; i++)
        {
            string b = $"blk.{i}.";
            yield return new ArchTensor(b + "attn_norm.weight", 1, d, WeightRole.Vector);
            yield return new ArchTensor(b + "attn_qkv.weight", q + 2 * kv, d, WeightRole.Matrix);
            yield return new ArchTensor(b + "attn_output.weight", d, q, WeightRole.Matrix);
            yield return new ArchTensor(b + "ffn_norm.weight", 1, d, WeightRole.Vector);
            yield return new ArchTensor(b + "ffn_up.weight", 2 * f, d, WeightRole.Matrix);
            yield return new ArchTensor(b + "ffn_down.weight", d, f, WeightRole.Matrix);
        }
        yield return new ArchTensor("output_norm.weight", 1, d, WeightRole.Vector);
        yield return new ArchTensor("output.weight", VocabSize, d, WeightRole.Matrix, Optional: true);
    }

    /// <summary>
    /// The plan LlamaModel loads: <see cref="Tensors"/> with each fused matrix split into row ranges of the file
    /// (attn_q, attn_k, attn_v; ffn_gate, ffn_up), and GGUF files whose Q, K and V are separate (llama.cpp reads both) as they are.
    /// </summary>
    public IReadOnlyList<PlannedWeight> Plan(WeightSource source)
    {
        int q = NumAttentionHeads * HeadDim, kv = NumKeyValueHeads * HeadDim, f = IntermediateSize;
        bool separate = source.TryGet("blk.0.attn_qkv.weight") is null && source.TryGet("blk.0.attn_q.weight") is not null;
        var tensors = Tensors().SelectMany(t => separate && t.Name.EndsWith(".attn_qkv.weight", StringComparison.Ordinal)
            ? [t with { Name = Swap(t.Name, "attn_q"), Rows = q }, t with { Name = Swap(t.Name, "attn_k"), Rows = kv }, t with { Name = Swap(t.Name, "attn_v"), Rows = kv }]
            : (IEnumerable<ArchTensor>)[t]);
        var plan = new List<PlannedWeight>();
        foreach (var w in ArchWeights.Plan(source, tensors, hf: false))
        {
            if (w.Key.EndsWith(".attn_qkv.weight", StringComparison.Ordinal))
            {
                plan.Add(w with { Key = Swap(w.Key, "attn_q"), Weight = Rows(w.Weight, 0, q) });
                plan.Add(w with { Key = Swap(w.Key, "attn_k"), Weight = Rows(w.Weight, q, kv) });
                plan.Add(w with { Key = Swap(w.Key, "attn_v"), Weight = Rows(w.Weight, q + kv, kv) });
            }
            else if (w.Key.EndsWith(".ffn_up.weight", StringComparison.Ordinal))
            {
                plan.Add(w with { Key = Swap(w.Key, "ffn_gate"), Weight = Rows(w.Weight, 0, f) });
                plan.Add(w with { Weight = Rows(w.Weight, f, f) });
            }
            else
            {
                plan.Add(w);
            }
        }
        return plan;
    }

    // "blk.3.attn_qkv.weight" with its tensor name replaced: "blk.3.attn_q.weight".
    private static string Swap(string name, string tensor)
    {
        int end = name.LastIndexOf('.'), start = name.LastIndexOf('.', end - 1) + 1;
        return name[..start] + tensor + name[end..];
    }

    // Rows [first, first + count) of a stored matrix: a view of the same mapped bytes (whole blocks per row).
    private static WeightData Rows(WeightData w, int first, int count)
    {
        long rowBytes = w.Type.ByteSize(w.Cols);
        return new WeightData($"{w.Name}[{first}:{first + count}]", w.Type, count, w.Cols, w.Address + (nint)(first * rowBytes), count * rowBytes)
        {
            FilePath = w.FilePath,
            FileOffset = w.FileOffset + first * rowBytes,
        };
    }

    /// <inheritdoc />
    public IReadOnlyList<OpRequirement> Requirements(IReadOnlyList<PlannedWeight> plan, DType kvType) =>
        LlamaModel.RequirementsOf(plan, kvType, ToLlama(MaxPositionEmbeddings).Rope);

    /// <inheritdoc />
    public ILanguageModel Create(IReadOnlyList<PlannedWeight> plan, IDevice device, ModelLoadOptions options, IDisposable? owner)
    {
        var config = ToLlama(options.MaxContext ?? MaxPositionEmbeddings);
        return new LlamaModel(config, LlamaWeights.Load(plan, config, device, options.Progress), device, options.KvType, owner);
    }

    /// <summary>Reads the config from GGUF metadata and the LongRoPE factor tensors, as llama.cpp does.</summary>
    public static Phi3Config FromGguf(GgufFile file)
    {
        const string arch = "phi3";
        var g = new GgufKeys(file, arch);
        int d = g.Int("embedding_length"), heads = g.Int("attention.head_count");
        int headDim = g.OptInt("attention.key_length") ?? d / heads;
        int rotary = g.OptInt("rope.dimension_count") ?? headDim;
        int vocab = g.Vocab();
        int context = g.OptInt("context_length") ?? 4096;
        var shortFactors = g.F32Values("rope_factors_short.weight", rotary / 2); // half the rotary width each
        var longFactors = g.F32Values("rope_factors_long.weight", rotary / 2);
        if ((shortFactors is null) != (longFactors is null))
            throw new ModelFormatException($"{file.Path}: LongRoPE needs both 'rope_factors_short.weight' and 'rope_factors_long.weight'");
        return new Phi3Config
        {
            HiddenSize = d,
            IntermediateSize = g.Int("feed_forward_length"),
            NumHiddenLayers = g.Int("block_count"),
            NumAttentionHeads = heads,
            NumKeyValueHeads = g.OptInt("attention.head_count_kv") ?? heads,
            HeadDim = headDim,
            VocabSize = vocab,
            MaxPositionEmbeddings = context,
            RmsNormEps = g.Float("attention.layer_norm_rms_epsilon") ?? 1e-5f,
            RopeTheta = g.Float("rope.freq_base") ?? 10000f,
            RotaryDim = rotary,
            OriginalContext = shortFactors is null ? 0 : g.OptInt("rope.scaling.original_context_length") ?? context,
            ShortFactors = shortFactors,
            LongFactors = longFactors,
            AttnFactor = g.Float("rope.scaling.attn_factor") ?? 1f,
            SlidingWindow = g.OptInt("attention.sliding_window") ?? 0,
        };
    }

    /// <summary>Reads the config from a Hugging Face config.json (transformers Phi3Config).</summary>
    public static Phi3Config FromHf(HfConfig hf, string origin)
    {
        int headDim = hf.HeadDimOrDefault;
        double partial = hf.OptionalDouble("partial_rotary_factor") ?? 1.0;
        if (!(partial > 0 && partial <= 1))
            throw new ModelFormatException($"{origin}: partial_rotary_factor is {partial}; it must be in (0, 1]");
        int rotary = (int)(partial * headDim);
        int context = hf.MaxPositionEmbeddings ?? 4096;
        int original = 0;
        float[]? shortFactors = null, longFactors = null;
        float attnFactor = 1f;
        if (hf.RopeScaling is { } rs && rs.RopeType != "default")
        {
            if (rs.RopeType is not ("longrope" or "su"))
                throw new ModelFormatException($"{origin}: rope_scaling type '{rs.RopeType}' is not supported for Phi-3 (supported: longrope)");
            original = hf.OptionalInt("original_max_position_embeddings") ?? rs.OriginalMaxPositionEmbeddings
                ?? throw new ModelFormatException($"{origin}: LongRoPE needs original_max_position_embeddings");
            shortFactors = FactorList(rs.Raw, "short_factor", rotary / 2, origin);
            longFactors = FactorList(rs.Raw, "long_factor", rotary / 2, origin);
            double scale = (double)context / original;
            attnFactor = rs.Raw.TryGetProperty("attention_factor", out var af) && af.ValueKind == System.Text.Json.JsonValueKind.Number ? (float)af.GetDouble()
                : scale <= 1 ? 1f : (float)Math.Sqrt(1 + Math.Log(scale) / Math.Log(original));
        }
        int window = hf.SlidingWindow ?? 0;
        if (window < 0)
            throw new ModelFormatException($"{origin}: sliding_window is {window}; it must be positive or null");
        return new Phi3Config
        {
            HiddenSize = hf.HiddenSize,
            IntermediateSize = hf.IntermediateSize,
            NumHiddenLayers = hf.NumHiddenLayers,
            NumAttentionHeads = hf.NumAttentionHeads,
            NumKeyValueHeads = hf.NumKeyValueHeads,
            HeadDim = headDim,
            VocabSize = hf.VocabSize,
            MaxPositionEmbeddings = context,
            RmsNormEps = (float)(hf.RmsNormEps ?? 1e-5),
            RopeTheta = (float)hf.RopeTheta,
            RotaryDim = rotary,
            OriginalContext = original,
            ShortFactors = shortFactors,
            LongFactors = longFactors,
            AttnFactor = attnFactor,
            SlidingWindow = window >= context ? 0 : window,
        };
    }

    private static float[] FactorList(System.Text.Json.JsonElement obj, string name, int count, string origin)
    {
        if (!obj.TryGetProperty(name, out var list) || list.ValueKind != System.Text.Json.JsonValueKind.Array)
            throw new ModelFormatException($"{origin}: rope_scaling.{name} is missing or not a list");
        var values = list.EnumerateArray().Select(e => e.ValueKind == System.Text.Json.JsonValueKind.Number && e.TryGetDouble(out double v) && v > 0 && double.IsFinite(v)
            ? (float)v : throw new ModelFormatException($"{origin}: rope_scaling.{name} holds {e.GetRawText()}; positive numbers expected")).ToArray();
        if (values.Length != count)
            throw new ModelFormatException($"{origin}: rope_scaling.{name} has {values.Length} values, expected {count} (half the rotary width)");
        return values;
    }

    /// <inheritdoc />
    public void Validate(string origin) => ToLlama(MaxPositionEmbeddings).Validate(origin);

    /// <inheritdoc />
    public void AddHyperParameters(GgufWriter w)
    {
        const string a = "phi3";
        AddDecoderKeys(w, a, IntermediateSize);
        w.Add($"{a}.rope.dimension_count", (uint)RotaryDim);
        if (SlidingWindow > 0)
            w.Add($"{a}.attention.sliding_window", (uint)SlidingWindow);
        if (ShortFactors != null)
        {
            w.Add($"{a}.rope.scaling.attn_factor", AttnFactor);
            w.Add($"{a}.rope.scaling.original_context_length", (uint)OriginalContext);
        }
    }

    /// <inheritdoc />
    public IEnumerable<(string Name, float[] Values)> ComputedTensors()
    {
        if (ShortFactors is { } s && LongFactors is { } l)
        {
            yield return ("rope_factors_long.weight", l);
            yield return ("rope_factors_short.weight", s);
        }
    }

    /// <inheritdoc />
    public void CheckGgufExpressible(string origin)
    {
    }
}
