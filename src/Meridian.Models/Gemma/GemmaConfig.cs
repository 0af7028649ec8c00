// Hyperparameters and tensors of Google's Gemma 2 and Gemma 3 (text) decoders, read from GGUF (llama.cpp's
// keys: llama-model.cpp load_hparams for LLM_ARCH_GEMMA2 / GEMMA3) and from config.json (transformers
// Gemma2Config / Gemma3TextConfig). What sets them apart from Llama:
//   - embeddings scaled by sqrt(hidden); GeGLU feed-forward (GELU, tanh form);
//   - RMSNorm computing (1 + w): Hugging Face stores w, GGUF stores 1 + w (convert_hf_to_gguf adds the 1);
//   - norms after attention and after the feed-forward as well as before;
//   - sliding-window layers between global ones: Gemma 2 every other layer (even ones slide), Gemma 3 five of
//     every six, with their own RoPE base (10000) while global layers use rope_theta and its linear scaling;
//   - queries scaled by query_pre_attn_scalar^-1/2 (GGUF has no key for it: llama.cpp uses 1/sqrt(Dh), or
//     1/sqrt(hidden / heads) for the 27B models, which is what their configs say);
//   - Gemma 2 soft-caps attention scores (50) and the final logits (30); Gemma 3 has per-head q/k norms instead.
using Meridian.Core;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;
using Meridian.Formats.Gguf;
using Meridian.Formats.HuggingFace;
using Meridian.Models.Architectures;
using Meridian.Models.Weights;

namespace Meridian.Models.Gemma;

/// <summary>Immutable config of a Gemma 2 or Gemma 3 text model. Names follow Hugging Face config.json.</summary>
public sealed record GemmaConfig : DecoderConfig, IGgufConvertible
{
    /// <summary>RoPE base of the sliding-window layers when the file does not say (both generations use 10000).</summary>
    public const float DefaultLocalRopeTheta = 10000f;

    /// <summary>Gemma in the architecture registry.</summary>
    public static ModelArchitecture Definition { get; } = new(["gemma2", "gemma3"], ["gemma2", "gemma3_text"], FromGguf, FromHf, HfName);

    private static readonly Dictionary<string, string> HfLayerNames = new()
    {
        ["attn_norm"] = "input_layernorm",
        ["attn_q"] = "self_attn.q_proj",
        ["attn_k"] = "self_attn.k_proj",
        ["attn_v"] = "self_attn.v_proj",
        ["attn_output"] = "self_attn.o_proj",
        ["attn_q_norm"] = "self_attn.q_norm",
        ["attn_k_norm"] = "self_attn.k_norm",
        ["post_attention_norm"] = "post_attention_layernorm",
        ["ffn_norm"] = "pre_feedforward_layernorm",
        ["ffn_gate"] = "mlp.gate_proj",
        ["ffn_up"] = "mlp.up_proj",
        ["ffn_down"] = "mlp.down_proj",
        ["post_ffw_norm"] = "post_feedforward_layernorm",
    };

    /// <summary>"gemma2" or "gemma3", as GGUF names them.</summary>
    public required string Architecture { get; init; }

    public required int IntermediateSize { get; init; }

    /// <summary>RoPE base of the sliding-window layers (Gemma 3's rope_local_base_freq).</summary>
    public float RopeLocalTheta { get; init; } = DefaultLocalRopeTheta;

    /// <summary>Linear RoPE scaling of the global layers (positions divided by it; Gemma 3 4B and up: 8); 1 = none.</summary>
    public float RopeLinearFactor { get; init; } = 1f;

    /// <summary>The window of the sliding layers (a query at p sees keys p − W + 1 .. p); 0 = no sliding layers.</summary>
    public required int SlidingWindow { get; init; }

    /// <summary>Which layers slide ([NumHiddenLayers]).</summary>
    public required bool[] SlidingLayers { get; init; }

    /// <summary>The factor queries are scaled by before the dot product (query_pre_attn_scalar^-1/2).</summary>
    public required float QueryScale { get; init; }

    /// <summary>Attention score soft-cap (Gemma 2: 50); 0 = none.</summary>
    public float AttnSoftcap { get; init; }

    /// <summary>Final logit soft-cap (Gemma 2: 30); 0 = none.</summary>
    public float FinalSoftcap { get; init; }

    /// <summary>Per-head RMSNorm of q and k before RoPE (Gemma 3).</summary>
    public bool QkNorm => Architecture == "gemma3";

    /// <summary>The factor embeddings are scaled by: sqrt(hidden), in f32 as llama.cpp computes it.</summary>
    public float EmbeddingScale => MathF.Sqrt(HiddenSize);

    /// <inheritdoc />
    public DecoderShape Shape => new(HiddenSize, IntermediateSize, NumHiddenLayers, NumAttentionHeads, NumKeyValueHeads, HeadDim, VocabSize);

    int IModelSpec.ContextLength => MaxPositionEmbeddings;

    /// <summary>The window of layer <paramref name="layer"/>, 0 for a global layer.</summary>
    public int WindowOf(int layer) => SlidingLayers[layer] ? SlidingWindow : 0;

    /// <summary>The RoPE of layer <paramref name="layer"/>: the local base on sliding layers, the global base and scaling otherwise.</summary>
    public RopeSpec RopeOf(int layer) => SlidingLayers[layer]
        ? new RopeSpec(HeadDim, RopeLocalTheta, RopeLayout.RotateHalf)
        : new RopeSpec(HeadDim, RopeTheta, RopeLayout.RotateHalf, RopeLinearFactor == 1f ? null : Enumerable.Repeat(RopeLinearFactor, HeadDim / 2).ToArray());

    /// <summary>The Hugging Face name of a GGUF tensor name (transformers modeling_gemma2 / modeling_gemma3 parameter names).</summary>
    public static string? HfName(string ggufName) => SafetensorsWeightSource.MapName(ggufName, HfLayerNames, SafetensorsWeightSource.GlobalNames);

    /// <summary>
    /// Every tensor, in GGUF names: norms are vectors read as 1 + w from Hugging Face, the output matrix is absent
    /// when tied to the embedding (every released Gemma).
    /// </summary>
    public IEnumerable<ArchTensor> Tensors()
    {
        int d = HiddenSize, f = IntermediateSize, q = NumAttentionHeads * HeadDim, kv = NumKeyValueHeads * HeadDim;
        ArchTensor Norm(string name, int width) => new(name, 1, width, WeightRole.Vector, HfOffset: 1f);
        yield return new ArchTensor("token_embd.weight", VocabSize, d, WeightRole.Table);
        for (int i = 0; i < NumHiddenLayers; i++)
        {
            string b = $"blk.{i}.";
            yield return Norm(b + "attn_norm.weight", d);
            yield return new ArchTensor(b + "attn_q.weight", q, d, WeightRole.Matrix);
            yield return new ArchTensor(b + "attn_k.weight", kv, d, WeightRole.Matrix);
            yield return new ArchTensor(b + "attn_v.weight", kv, d, WeightRole.Matrix);
            if (QkNorm)
            {
                yield return Norm(b + "attn_q_norm.weight", HeadDim);
                yield return Norm(b + "attn_k_norm.weight", HeadDim);
            }
            yield return new ArchTensor(b + "attn_output.weight", d, q, WeightRole.Matrix);
            yield return Norm(b + "post_attention_norm.weight", d);
            yield return Norm(b + "ffn_norm.weight", d);
            yield return new ArchTensor(b + "ffn_gate.weight", f, d, WeightRole.Matrix);
            yield return new ArchTensor(b + "ffn_up.weight", f, d, WeightRole.Matrix);
            yield return new ArchTensor(b + "ffn_down.weight", d, f, WeightRole.Matrix);
            yield return Norm(b + "post_ffw_norm.weight", d);
        }
        yield return Norm("output_norm.weight", d);
        yield return new ArchTensor("output.weight", VocabSize, d, WeightRole.Matrix, Optional: true);
    }

    /// <summary>Reads the config from GGUF metadata as llama.cpp does.</summary>
    public static GemmaConfig FromGguf(GgufFile file)
    {
        string arch = file.Architecture!;
        var g = new GgufKeys(file, arch);
        int d = g.Int("embedding_length"), heads = g.Int("attention.head_count"), layers = g.Int("block_count");
        int headDim = g.OptInt("attention.key_length") ?? d / heads;
        if (g.OptInt("attention.value_length") is int vl && vl != headDim)
            throw new ModelFormatException($"{file.Path}: '{arch}.attention.value_length' {vl} differs from the key length {headDim}; that is not supported");
        int vocab = g.Vocab();
        // llama.cpp: Gemma 2 always slides (4096 unless the file says) on even layers; Gemma 3 slides five of six
        // layers when the file has a window, with RoPE base 10000 there.
        int window = arch == "gemma2" ? g.OptInt("attention.sliding_window") ?? 4096 : g.OptInt("attention.sliding_window") ?? 0;
        int pattern = arch == "gemma2" ? 2 : 6;
        float factor = 1f;
        if (file.TryGetString($"{arch}.rope.scaling.type", out var scaling) && scaling != "none")
        {
            if (scaling != "linear")
                throw new ModelFormatException($"{file.Path}: '{arch}.rope.scaling.type' is '{scaling}'; Gemma supports linear (or none)");
            factor = g.Float("rope.scaling.factor") ?? throw g.Missing("rope.scaling.factor");
        }
        // The 27B models (46 layers of Gemma 2, 62 of Gemma 3) scale queries by hidden / heads, the others by the head dim.
        bool big = arch == "gemma2" ? layers == 46 : layers == 62;
        return new GemmaConfig
        {
            Architecture = arch,
            HiddenSize = d,
            IntermediateSize = g.Int("feed_forward_length"),
            NumHiddenLayers = layers,
            NumAttentionHeads = heads,
            NumKeyValueHeads = g.OptInt("attention.head_count_kv") ?? heads,
            HeadDim = headDim,
            VocabSize = vocab,
            MaxPositionEmbeddings = g.OptInt("context_length") ?? 8192,
            RmsNormEps = g.Float("attention.layer_norm_rms_epsilon") ?? 1e-6f,
            RopeTheta = g.Float("rope.freq_base") ?? 10000f,
            RopeLinearFactor = factor,
            SlidingWindow = window,
            SlidingLayers = Enumerable.Range(0, layers).Select(l => window > 0 && l % pattern < pattern - 1).ToArray(),
            QueryScale = 1f / MathF.Sqrt(big ? d / heads : headDim),
            AttnSoftcap = arch == "gemma2" ? g.Float("attn_logit_softcapping") ?? 50f : 0f,
            FinalSoftcap = arch == "gemma2" ? g.Float("final_logit_softcapping") ?? 30f : 0f,
        };
    }

    /// <summary>Reads the config from a Hugging Face config.json (transformers Gemma2Config / Gemma3TextConfig).</summary>
    public static GemmaConfig FromHf(HfConfig hf, string origin)
    {
        string arch = hf.ModelType == "gemma2" ? "gemma2" : "gemma3";
        string? activation = hf.OptionalString("hidden_activation") ?? hf.HiddenAct;
        if (activation is not (null or "gelu_pytorch_tanh" or "gelu_tanh"))
            throw new ModelFormatException($"{origin}: hidden_activation '{activation}' is not supported (Gemma uses gelu_pytorch_tanh)");
        int layers = hf.NumHiddenLayers, headDim = hf.HeadDimOrDefault;
        int window = hf.SlidingWindow ?? 0;
        if (window < 0)
            throw new ModelFormatException($"{origin}: sliding_window is {window}; it must be positive or null");
        bool[] sliding;
        var types = hf.StringList("layer_types");
        if (types.Count > 0)
        {
            if (types.Count != layers)
                throw new ModelFormatException($"{origin}: layer_types has {types.Count} entries for {layers} layers");
            sliding = types.Select((t, i) => t switch
            {
                "sliding_attention" => true,
                "full_attention" => false,
                _ => throw new ModelFormatException($"{origin}: layer_types[{i}] is '{t}' (expected sliding_attention or full_attention)"),
            }).ToArray();
        }
        else
        {
            // Gemma 2: even layers slide; Gemma 3: sliding_window_pattern (6), the last of each group global.
            int pattern = arch == "gemma2" ? 2 : hf.OptionalInt("sliding_window_pattern") ?? 6;
            sliding = Enumerable.Range(0, layers).Select(l => (l + 1) % pattern != 0).ToArray();
        }
        if (window == 0)
            sliding = new bool[layers];
        float factor = 1f;
        if (hf.RopeScaling is { } rs && rs.RopeType != "default")
        {
            if (rs.RopeType != "linear")
                throw new ModelFormatException($"{origin}: rope_scaling type '{rs.RopeType}' is not supported for Gemma (supported: linear)");
            factor = (float)(rs.Factor ?? throw new ModelFormatException($"{origin}: rope_scaling has no factor"));
        }
        double queryScalar = hf.OptionalDouble("query_pre_attn_scalar") ?? headDim;
        if (queryScalar <= 0)
            throw new ModelFormatException($"{origin}: query_pre_attn_scalar is {queryScalar}; it must be positive");
        return new GemmaConfig
        {
            Architecture = arch,
            HiddenSize = hf.HiddenSize,
            IntermediateSize = hf.IntermediateSize,
            NumHiddenLayers = layers,
            NumAttentionHeads = hf.NumAttentionHeads,
            NumKeyValueHeads = hf.NumKeyValueHeads,
            HeadDim = headDim,
            VocabSize = hf.VocabSize,
            MaxPositionEmbeddings = hf.MaxPositionEmbeddings ?? 8192,
            RmsNormEps = (float)(hf.RmsNormEps ?? 1e-6),
            RopeTheta = (float)hf.RopeTheta,
            RopeLocalTheta = (float)(hf.OptionalDouble("rope_local_base_freq") ?? DefaultLocalRopeTheta),
            RopeLinearFactor = factor,
            SlidingWindow = window,
            SlidingLayers = sliding,
            QueryScale = (float)(1 / Math.Sqrt(queryScalar)),
            AttnSoftcap = (float)(hf.OptionalDouble("attn_logit_softcapping") ?? 0),
            FinalSoftcap = (float)(hf.OptionalDouble("final_logit_softcapping") ?? 0),
        };
    }

    /// <inheritdoc />
    public void AddHyperParameters(GgufWriter w)
    {
        string a = Architecture;
        AddDecoderKeys(w, a, IntermediateSize);
        if (SlidingWindow > 0)
            w.Add($"{a}.attention.sliding_window", (uint)SlidingWindow);
        if (Architecture == "gemma2")
        {
            w.Add($"{a}.attn_logit_softcapping", AttnSoftcap);
            w.Add($"{a}.final_logit_softcapping", FinalSoftcap);
        }
        if (RopeLinearFactor != 1f)
        {
            w.Add($"{a}.rope.scaling.type", "linear");
            w.Add($"{a}.rope.scaling.factor", RopeLinearFactor);
        }
    }

    /// <inheritdoc />
    public void CheckGgufExpressible(string origin)
    {
        // What llama.cpp reads back from the keys AddHyperParameters writes (FromGguf's rules).
        int pattern = Architecture == "gemma2" ? 2 : 6;
        if (Architecture == "gemma2" && SlidingWindow == 0)
            throw new ModelFormatException($"{origin}: a Gemma 2 without sliding_window cannot be written to GGUF (llama.cpp then slides over 4096)");
        for (int l = 0; l < NumHiddenLayers; l++)
        {
            bool slides = SlidingWindow > 0 && l % pattern < pattern - 1;
            if (SlidingLayers[l] != slides)
                throw new ModelFormatException($"{origin}: layer {l} is {(SlidingLayers[l] ? "sliding" : "global")}, but GGUF's {Architecture} layout makes it " +
                    $"{(slides ? "sliding" : "global")} (one global layer in {pattern}); this layer pattern cannot be written to GGUF");
        }
        if (RopeLocalTheta != DefaultLocalRopeTheta)
            throw new ModelFormatException($"{origin}: rope_local_base_freq {RopeLocalTheta} cannot be written to GGUF (llama.cpp uses {DefaultLocalRopeTheta})");
        bool big = Architecture == "gemma2" ? NumHiddenLayers == 46 : NumHiddenLayers == 62;
        float gguf = 1f / MathF.Sqrt(big ? HiddenSize / NumAttentionHeads : HeadDim);
        if (MathF.Abs(QueryScale - gguf) > 1e-6f * gguf)
            throw new ModelFormatException($"{origin}: query_pre_attn_scalar gives a query scale of {QueryScale}; GGUF's {Architecture} implies {gguf} for " +
                $"{NumHiddenLayers} layers, so it cannot be written to GGUF");
        if (Architecture == "gemma3" && (AttnSoftcap > 0 || FinalSoftcap > 0))
            throw new ModelFormatException($"{origin}: soft-capping cannot be written to a gemma3 GGUF (llama.cpp applies none)");
    }

    /// <inheritdoc />
    public void Validate(string origin)
    {
        SpecChecks.Positive(origin, (HiddenSize, nameof(HiddenSize)), (IntermediateSize, nameof(IntermediateSize)), (NumHiddenLayers, nameof(NumHiddenLayers)),
            (NumAttentionHeads, nameof(NumAttentionHeads)), (NumKeyValueHeads, nameof(NumKeyValueHeads)), (HeadDim, nameof(HeadDim)), (VocabSize, nameof(VocabSize)));
        SpecChecks.Heads(origin, NumAttentionHeads, NumKeyValueHeads, HeadDim);
        if (SlidingLayers.Length != NumHiddenLayers)
            throw new ModelFormatException($"{origin}: the sliding-window pattern has {SlidingLayers.Length} entries for {NumHiddenLayers} layers");
        if (!(RopeLinearFactor > 0) || !float.IsFinite(RopeLinearFactor))
            throw new ModelFormatException($"{origin}: rope scaling factor {RopeLinearFactor} must be positive");
        if (!(AttnSoftcap >= 0) || !(FinalSoftcap >= 0) || !float.IsFinite(AttnSoftcap) || !float.IsFinite(FinalSoftcap))
            throw new ModelFormatException($"{origin}: soft-caps must be positive or 0 (attention {AttnSoftcap}, final {FinalSoftcap})");
        if (!(RopeTheta > 0) || !(RopeLocalTheta > 0))
            throw new ModelFormatException($"{origin}: RoPE bases must be positive (global {RopeTheta}, local {RopeLocalTheta})");
    }

    /// <inheritdoc />
    public IReadOnlyList<PlannedWeight> Plan(WeightSource source) => ArchWeights.Plan(source, Tensors(), source is SafetensorsWeightSource);

    /// <inheritdoc />
    public IReadOnlyList<OpRequirement> Requirements(IReadOnlyList<PlannedWeight> plan, DType kvType)
    {
        var list = ArchWeights.DecoderRequirements(plan, kvType, extendedRope: false);
        ArchWeights.Need(list, BackendOp.Scale, DType.F32, "embedding scale");
        ArchWeights.Need(list, BackendOp.GeGlu, DType.F32, "feed-forward");
        if (FinalSoftcap > 0)
            ArchWeights.Need(list, BackendOp.Softcap, DType.F32, "final logit soft-cap");
        return list;
    }

    /// <inheritdoc />
    public ILanguageModel Create(IReadOnlyList<PlannedWeight> plan, IDevice device, ModelLoadOptions options, IDisposable? owner) =>
        new GemmaModel(this, ArchWeights.Load(plan, device, options.Progress), device, options.KvType, owner);
}
