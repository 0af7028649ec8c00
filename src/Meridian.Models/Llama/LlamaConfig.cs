// Hyper-parameters of the Llama family (Llama 1/2/3.x, Mistral, Qwen2/2.5, Qwen3): one forward pass,
// differences as flags. Mapped from GGUF keys in FromGguf, from config.json in FromHf, and from a
// llama2.c header in FromLlama2C. Names follow Hugging Face config.json.
using Meridian.Core;
using Meridian.Core.Backends;
using Meridian.Formats.Gguf;
using Meridian.Formats.HuggingFace;
using Meridian.Formats.Llama2C;
using Meridian.Core.Tensors;
using Meridian.Models.Architectures;
using Meridian.Models.Weights;

namespace Meridian.Models.Llama;

/// <summary>Immutable config of a Llama-family model.</summary>
public sealed record LlamaConfig : DecoderConfig, IModelSpec
{
    /// <summary>Architectures this code path runs (GGUF general.architecture / HF model_type).</summary>
    public static readonly IReadOnlyList<string> SupportedArchitectures = ["llama", "mistral", "qwen2", "qwen3", "mimo2", "qwen3moe", "olmoe"];

    /// <summary>The Llama family in the architecture registry.</summary>
    public static ModelArchitecture Definition { get; } = new(SupportedArchitectures, ["llama", "mistral", "qwen2", "qwen3", "qwen3_moe", "olmoe"],
        FromGguf, FromHf, SafetensorsWeightSource.HfName);

    /// <summary>Mixtral in the registry: GGUF writes it as "llama" (with experts); its checkpoints name their experts their own way.</summary>
    public static ModelArchitecture MixtralDefinition { get; } = new([], ["mixtral"], FromGguf, FromHf, SafetensorsWeightSource.MixtralHfName);

    /// <summary>"llama", "mistral", "qwen2", "qwen3" or "mimo2" (dense only: llama.cpp's arch with per-layer sliding windows).</summary>
    public required string Architecture { get; init; }

    public required int IntermediateSize { get; init; }

    /// <summary>How the stored Q/K weights pair dimensions for RoPE.</summary>
    public required RopeLayout RopeLayout { get; init; }

    /// <summary>Rope frequency divisors [R/2] (Llama 3.1 scaling, Phi-3's LongRoPE factors), or null.</summary>
    public float[]? RopeFreqFactors { get; init; }

    /// <summary>R, the rotated width of each head (Phi's partial rotary embedding); 0 means all of it.</summary>
    public int RopeRotaryDim { get; init; }

    /// <summary>The factor RoPE multiplies cos and sin by (LongRoPE's attention factor); 1 is plain RoPE.</summary>
    public float RopeAttnFactor { get; init; } = 1f;

    /// <summary>Q/K/V projections carry biases (Qwen2).</summary>
    public bool AttentionBias { get; init; }

    /// <summary>Per-head RMSNorm of Q and K before RoPE (Qwen3, Qwen3-MoE).</summary>
    public bool QkNorm { get; init; }

    /// <summary>RMSNorm of all of Q and all of K (one weight as wide as each) before RoPE (OLMoE).</summary>
    public bool QkNormFullWidth { get; init; }

    /// <summary>Experts per mixture-of-experts layer (Mixtral 8, Qwen3-MoE 128, OLMoE 64); 0 for a dense model.</summary>
    public int ExpertCount { get; init; }

    /// <summary>Experts each token uses (Mixtral 2, Qwen3-MoE and OLMoE 8).</summary>
    public int ExpertsUsed { get; init; }

    /// <summary>The hidden width of one expert (GGUF expert_feed_forward_length, HF moe_intermediate_size); IntermediateSize otherwise.</summary>
    public int ExpertIntermediateSize { get; init; }

    /// <summary>Whether the chosen experts' probabilities are divided by their sum (Mixtral, Qwen3-MoE) or kept (OLMoE).</summary>
    public bool NormalizeTopK { get; init; }

    /// <summary>True for a mixture-of-experts model.</summary>
    public bool IsMoe => ExpertCount > 0;

    /// <summary>
    /// Sliding-window attention on every layer (Mistral v0.1: 4096): a query at position p sees keys at p - W + 1 .. p.
    /// 0 = full causal attention. GGUF "{arch}.attention.sliding_window", HF "sliding_window".
    /// </summary>
    public int SlidingWindow { get; init; }

    /// <summary>Which layers use <see cref="SlidingWindow"/> ([NumHiddenLayers]); null means every layer.</summary>
    public bool[]? SlidingWindowLayers { get; init; }

    /// <summary>The window of layer <paramref name="layer"/>: <see cref="SlidingWindow"/>, or 0 for a full-attention layer.</summary>
    public int WindowOf(int layer) => SlidingWindowLayers is { } layers && !layers[layer] ? 0 : SlidingWindow;

    /// <summary>The sizes the KV cache and workspace are made for.</summary>
    public DecoderShape Shape => new(HiddenSize, IsMoe ? ExpertIntermediateSize : IntermediateSize, NumHiddenLayers, NumAttentionHeads, NumKeyValueHeads, HeadDim, VocabSize)
    {
        Experts = ExpertCount,
        ExpertsUsed = ExpertsUsed,
    };

    /// <summary>The RoPE parameters of this model.</summary>
    public RopeSpec Rope => new(HeadDim, RopeTheta, RopeLayout, RopeFreqFactors, RopeRotaryDim, RopeAttnFactor);

    int IModelSpec.ContextLength => MaxPositionEmbeddings;

    /// <summary>
    /// Every tensor of the model in GGUF names and llama.cpp's order (convert_hf_to_gguf's): what the loader plans and
    /// the converter writes. Experts are listed one by one (the converter stacks each kind into one 3-D tensor); the
    /// output matrix is optional (absent when tied to the embedding).
    /// </summary>
    public IEnumerable<ArchTensor> Tensors()
    {
        // D = hidden, F = ffn, V = vocab, H = heads, Hkv = kv heads, Dh = head dim
        int d = HiddenSize, f = IntermediateSize, v = VocabSize, q = NumAttentionHeads * HeadDim, kv = NumKeyValueHeads * HeadDim;
        ArchTensor Matrix(string name, int rows, int cols) => new(name, rows, cols, WeightRole.Matrix);
        ArchTensor Vector(string name, int width) => new(name, 1, width, WeightRole.Vector);
        yield return new ArchTensor("token_embd.weight", v, d, WeightRole.Table);
        for (int i = 0; i < NumHiddenLayers; i++)
        {
            string b = $"blk.{i}.";
            yield return Vector(b + "attn_norm.weight", d);
            foreach (var (name, rows) in new[] { ("attn_q", q), ("attn_k", kv), ("attn_v", kv) })
            {
                yield return Matrix($"{b}{name}.weight", rows, d);
                if (AttentionBias)
                    yield return Vector($"{b}{name}.bias", rows);
            }
            if (QkNorm || QkNormFullWidth)
            {
                yield return Vector(b + "attn_q_norm.weight", QkNorm ? HeadDim : q);
                yield return Vector(b + "attn_k_norm.weight", QkNorm ? HeadDim : kv);
            }
            yield return Matrix(b + "attn_output.weight", d, q);
            yield return Vector(b + "ffn_norm.weight", d);
            if (IsMoe)
            {
                // The router, then every expert of each kind (GGUF: rows of one 3-D tensor per kind).
                int fe = ExpertIntermediateSize;
                yield return Matrix(b + "ffn_gate_inp.weight", ExpertCount, d);
                for (int e = 0; e < ExpertCount; e++)
                    yield return Matrix(b + WeightSource.ExpertName("ffn_gate_exps.weight", e), fe, d);
                for (int e = 0; e < ExpertCount; e++)
                    yield return Matrix(b + WeightSource.ExpertName("ffn_up_exps.weight", e), fe, d);
                for (int e = 0; e < ExpertCount; e++)
                    yield return Matrix(b + WeightSource.ExpertName("ffn_down_exps.weight", e), d, fe);
                continue;
            }
            yield return Matrix(b + "ffn_gate.weight", f, d);
            yield return Matrix(b + "ffn_up.weight", f, d);
            yield return Matrix(b + "ffn_down.weight", d, f);
        }
        yield return Vector("output_norm.weight", d);
        yield return new ArchTensor("output.weight", v, d, WeightRole.Matrix, Optional: true);
    }

    IReadOnlyList<PlannedWeight> IModelSpec.Plan(WeightSource source) => LlamaWeights.Plan(source, this);

    IReadOnlyList<OpRequirement> IModelSpec.Requirements(IReadOnlyList<PlannedWeight> plan, DType kvType) => LlamaModel.RequirementsOf(plan, kvType, Rope);

    ILanguageModel IModelSpec.Create(IReadOnlyList<PlannedWeight> plan, IDevice device, ModelLoadOptions options, IDisposable? owner) =>
        new LlamaModel(this, LlamaWeights.Load(plan, this, device, options.Progress), device, options.KvType, owner);

    /// <summary>Reads the config from GGUF metadata (llama.cpp's llm_load_hparams keys) and Llama 3.1's rope_freqs tensor.</summary>
    public static LlamaConfig FromGguf(GgufFile file)
    {
        var config = FromGgufMetadata(file);
        // llama.cpp stores Llama 3.1 rope scaling as per-frequency divisors.
        var factors = new GgufKeys(file, config.Architecture).F32Values("rope_freqs.weight", config.HeadDim / 2);
        return factors is null ? config : config with { RopeFreqFactors = factors };
    }

    private static LlamaConfig FromGgufMetadata(GgufFile file)
    {
        string arch = file.Architecture ?? throw new ModelFormatException($"{file.Path}: metadata key 'general.architecture' is missing");
        CheckArchitecture(file.Path, arch);
        var g = new GgufKeys(file, arch);
        int d = g.Int("embedding_length"), heads = g.Int("attention.head_count");
        int vocab = g.Vocab();
        return new LlamaConfig
        {
            Architecture = arch,
            HiddenSize = d,
            IntermediateSize = g.Int("feed_forward_length"),
            NumHiddenLayers = g.Int("block_count"),
            NumAttentionHeads = heads,
            NumKeyValueHeads = g.OptInt("attention.head_count_kv") ?? heads,
            HeadDim = g.OptInt("attention.key_length") ?? d / heads,
            VocabSize = vocab,
            MaxPositionEmbeddings = g.OptInt("context_length") ?? 2048,
            RmsNormEps = file.TryGetFloat32($"{arch}.attention.layer_norm_rms_epsilon", out float eps) ? eps : 1e-5f,
            RopeTheta = file.TryGetFloat32($"{arch}.rope.freq_base", out float theta) ? theta : 10000f,
            // llama.cpp llama_model_rope_type: LLAMA -> NORM (Q/K converted to interleaved), QWEN2/3, OLMoE -> NEOX.
            RopeLayout = arch is "qwen2" or "qwen3" or "mimo2" or "qwen3moe" or "olmoe" ? RopeLayout.RotateHalf : RopeLayout.Interleaved,
            AttentionBias = arch == "qwen2",
            QkNorm = arch is "qwen3" or "qwen3moe",
            QkNormFullWidth = arch == "olmoe",
            ExpertCount = g.OptInt("expert_count") ?? 0,
            ExpertsUsed = g.OptInt("expert_used_count") ?? 0,
            ExpertIntermediateSize = g.OptInt("expert_feed_forward_length") ?? g.Int("feed_forward_length"),
            // llama.cpp's graphs: Mixtral (llama) and Qwen3-MoE divide by the chosen experts' sum, OLMoE does not.
            NormalizeTopK = arch != "olmoe",
            SlidingWindow = g.OptInt("attention.sliding_window") ?? 0,
            SlidingWindowLayers = arch == "mimo2" ? Mimo2WindowLayers(file, g.Int("block_count")) : null,
        };
    }

    // llama.cpp's mimo2 (src/models/mimo2.cpp): attention.sliding_window_pattern is a per-layer array (1 = sliding)
    // or one u32 copied to every layer. Only its dense form runs here: experts, attention sinks, a value scale or a
    // separate RoPE base for the sliding layers are refused by name rather than ignored.
    private static bool[] Mimo2WindowLayers(GgufFile file, int layers)
    {
        const string arch = "mimo2";
        if (file.TryGetUInt32($"{arch}.expert_count", out uint experts) && experts > 0 || file.TryGetTensor("blk.0.ffn_gate_inp.weight", out _))
            throw new ModelFormatException($"{file.Path}: mixture-of-experts mimo2 models are not supported (only the dense form)");
        if (file.TryGetTensor("blk.0.attn_sinks.weight", out _))
            throw new ModelFormatException($"{file.Path}: tensor 'blk.0.attn_sinks.weight' (attention sinks) is not supported");
        if (file.TryGetFloat32($"{arch}.attention.value_scale", out _))
            throw new ModelFormatException($"{file.Path}: metadata key '{arch}.attention.value_scale' is not supported");
        if (file.TryGetFloat32($"{arch}.rope.freq_base_swa", out float swaBase) &&
            (!file.TryGetFloat32($"{arch}.rope.freq_base", out float fullBase) || swaBase != fullBase))
            throw new ModelFormatException($"{file.Path}: '{arch}.rope.freq_base_swa' differs from '{arch}.rope.freq_base'; a separate RoPE base for sliding layers is not supported");
        string key = $"{arch}.attention.sliding_window_pattern";
        if (file.TryGetUInt32(key, out uint all))
            return Enumerable.Repeat(all != 0, layers).ToArray();
        var pattern = file.TryGetInt32Array(key, out var p) ? p : throw new ModelFormatException($"{file.Path}: metadata key '{key}' is missing");
        if (pattern.Length != layers)
            throw new ModelFormatException($"{file.Path}: metadata key '{key}' has {pattern.Length} entries for {layers} layers");
        return pattern.Select(v => v != 0).ToArray();
    }

    /// <summary>Reads the config from a Hugging Face config.json (transformers LlamaConfig / Qwen2Config / Qwen3Config).</summary>
    public static LlamaConfig FromHf(HfConfig hf, string origin) => FromHfConfig(hf, origin);

    private static LlamaConfig FromHfConfig(HfConfig hf, string origin)
    {
        string modelType = hf.ModelType ?? throw new ModelFormatException($"{origin}: config.json has no 'model_type'");
        // As GGUF names them: Mixtral is Llama with experts; Qwen3-MoE is "qwen3moe".
        string arch = modelType switch { "mixtral" => "llama", "qwen3_moe" => "qwen3moe", _ => modelType };
        CheckArchitecture(origin, arch);
        if (modelType == "qwen3_moe" && (hf.OptionalInt("decoder_sparse_step") is { } step && step != 1
            || hf.Raw.TryGetProperty("mlp_only_layers", out var dense) && dense.ValueKind == System.Text.Json.JsonValueKind.Array && dense.GetArrayLength() > 0))
            throw new ModelFormatException($"{origin}: Qwen3-MoE with dense layers (decoder_sparse_step, mlp_only_layers) is not supported; every layer must be sparse");
        if (modelType == "olmoe" && hf.OptionalDouble("clip_qkv") is { } clip)
            throw new ModelFormatException($"{origin}: clip_qkv {clip} is not supported");
        int headDim = hf.HeadDimOrDefault;
        float theta = (float)hf.RopeTheta;
        float[]? factors = null;
        if (hf.RopeScaling is { } rs)
        {
            if (rs.RopeType != "llama3")
                throw new ModelFormatException($"{origin}: rope_scaling type '{rs.RopeType}' is not supported (supported: llama3)");
            factors = RopeSpec.Llama3FreqFactors(headDim, theta, (float)(rs.Factor ?? 8), (float)(rs.LowFreqFactor ?? 1),
                (float)(rs.HighFreqFactor ?? 4), rs.OriginalMaxPositionEmbeddings ?? 8192);
        }
        return new LlamaConfig
        {
            Architecture = arch,
            HiddenSize = hf.HiddenSize,
            IntermediateSize = hf.IntermediateSize,
            NumHiddenLayers = hf.NumHiddenLayers,
            NumAttentionHeads = hf.NumAttentionHeads,
            NumKeyValueHeads = hf.NumKeyValueHeads,
            HeadDim = headDim,
            VocabSize = hf.VocabSize,
            MaxPositionEmbeddings = hf.MaxPositionEmbeddings ?? 2048,
            RmsNormEps = (float)(hf.RmsNormEps ?? 1e-6),
            RopeTheta = theta,
            RopeFreqFactors = factors,
            // HF checkpoints keep Q/K in rotate-half order for every architecture.
            RopeLayout = RopeLayout.RotateHalf,
            AttentionBias = arch == "qwen2" || hf.AttentionBias == true,
            QkNorm = arch is "qwen3" or "qwen3moe",
            QkNormFullWidth = arch == "olmoe",
            ExpertCount = hf.OptionalInt("num_local_experts") ?? hf.OptionalInt("num_experts") ?? 0,
            ExpertsUsed = hf.OptionalInt("num_experts_per_tok") ?? 0,
            ExpertIntermediateSize = hf.OptionalInt("moe_intermediate_size") ?? hf.IntermediateSize,
            NormalizeTopK = modelType == "mixtral" || (hf.Raw.TryGetProperty("norm_topk_prob", out var norm) && norm.ValueKind == System.Text.Json.JsonValueKind.True),
            SlidingWindow = SlidingWindowOf(hf, arch, origin),
        };
    }

    /// <summary>The config of a llama2.c checkpoint (run.c: eps 1e-5, theta 10000, interleaved RoPE).</summary>
    public static LlamaConfig FromLlama2C(Llama2CConfig c) => new()
    {
        Architecture = "llama",
        HiddenSize = c.Dim,
        IntermediateSize = c.HiddenDim,
        NumHiddenLayers = c.NumLayers,
        NumAttentionHeads = c.NumHeads,
        NumKeyValueHeads = c.NumKvHeads,
        HeadDim = c.HeadSize,
        VocabSize = c.VocabSize,
        MaxPositionEmbeddings = c.SeqLen,
        RmsNormEps = 1e-5f,
        RopeTheta = 10000f,
        RopeLayout = RopeLayout.Interleaved,
    };

    // Mistral applies sliding_window to every layer (null: full attention). Qwen2/Qwen3 carry a sliding_window
    // that only applies with use_sliding_window (to the layers from max_window_layers on), which is refused
    // rather than run as full attention.
    private static int SlidingWindowOf(HfConfig hf, string arch, string origin)
    {
        if (arch is "qwen2" or "qwen3" or "qwen3moe")
        {
            if (hf.UseSlidingWindow == true)
                throw new ModelFormatException($"{origin}: config.json sets use_sliding_window; per-layer sliding windows (max_window_layers) are not supported");
            return 0;
        }
        if (hf.SlidingWindow is { } w && w < 0)
            throw new ModelFormatException($"{origin}: sliding_window is {w}; it must be positive or null");
        return hf.SlidingWindow ?? 0;
    }

    private static void CheckArchitecture(string origin, string arch)
    {
        if (!SupportedArchitectures.Contains(arch))
            Architectures.Architectures.ForGguf(arch, origin); // names the architectures the build runs (and throws)
        if (!SupportedArchitectures.Contains(arch))
            throw new ModelFormatException($"{origin}: architecture '{arch}' is not a Llama-family one; load it through ModelLoader");
    }

    /// <summary>Checks the sizes are positive and consistent; a bad file gets a message naming the field.</summary>
    public void Validate(string origin)
    {
        SpecChecks.Positive(origin, (HiddenSize, nameof(HiddenSize)), (IntermediateSize, nameof(IntermediateSize)), (NumHiddenLayers, nameof(NumHiddenLayers)),
            (NumAttentionHeads, nameof(NumAttentionHeads)), (NumKeyValueHeads, nameof(NumKeyValueHeads)), (HeadDim, nameof(HeadDim)), (VocabSize, nameof(VocabSize)));
        SpecChecks.Heads(origin, NumAttentionHeads, NumKeyValueHeads, HeadDim);
        if (SlidingWindow < 0)
            throw new ModelFormatException($"{origin}: sliding window {SlidingWindow} must be positive or 0 (off)");
        if (SlidingWindowLayers != null && SlidingWindowLayers.Length != NumHiddenLayers)
            throw new ModelFormatException($"{origin}: the sliding-window pattern has {SlidingWindowLayers.Length} entries for {NumHiddenLayers} layers");
        int rotary = Rope.RotaryDims;
        if (rotary < 2 || rotary % 2 != 0 || rotary > HeadDim)
            throw new ModelFormatException($"{origin}: the rotary width {rotary} must be even and at most the head dim {HeadDim}");
        if (IsMoe && (ExpertsUsed < 1 || ExpertsUsed > ExpertCount || ExpertIntermediateSize < 1))
            throw new ModelFormatException($"{origin}: {ExpertsUsed} experts used of {ExpertCount} (expert width {ExpertIntermediateSize}); it must be 1 to {ExpertCount}");
        if (RopeFreqFactors != null && RopeFreqFactors.Length != rotary / 2)
            throw new ModelFormatException($"{origin}: rope frequency factors have {RopeFreqFactors.Length} values, expected {rotary / 2}");
        if (!(RopeAttnFactor > 0) || !float.IsFinite(RopeAttnFactor))
            throw new ModelFormatException($"{origin}: rope attention factor {RopeAttnFactor} must be positive and finite");
    }
}
