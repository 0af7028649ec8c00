// Hyperparameters and tensors of OpenAI's GPT-OSS (gpt-oss-20b / -120b) as llama.cpp's "gpt-oss" GGUF stores them
// (llama-model.cpp load_hparams / load_tensors for LLM_ARCH_OPENAI_MOE). A mixture-of-experts decoder with:
//   - q, k, v and output projections with biases; per-head attention sinks (a learned logit that joins each
//     head's softmax denominator); sliding windows (128) on even layers, full attention on odd ones;
//   - RoPE (rotate-half) with YaRN scaling: per-frequency divisors blending interpolation and extrapolation between
//     the correction dimensions of beta_fast and beta_slow, and the attention factor 1 + 0.1 ln(factor), as ggml's
//     rope_yarn computes them;
//   - a router with a bias choosing 4 of 32 (20b) experts by raw score, weighted by a softmax over the chosen
//     (which equals softmax, top-k, renormalise); experts with biases and the clamped SwiGLU (alpha 1.702, limit 7),
//     usually stored as MXFP4.
// Hugging Face checkpoints are read too (GptOssHfWeightSource rebuilds their experts: interleaved gate-up, MXFP4
// blocks or dequantized transposed matrices).
using Meridian.Core;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;
using Meridian.Formats.Gguf;
using Meridian.Formats.HuggingFace;
using Meridian.Models.Architectures;
using Meridian.Models.Weights;

namespace Meridian.Models.GptOss;

/// <summary>Immutable config of a GPT-OSS model.</summary>
public sealed record GptOssConfig : DecoderConfig, IGgufConvertible
{
    /// <summary>GPT-OSS in the architecture registry.</summary>
    public static ModelArchitecture Definition { get; } = new(["gpt-oss"], ["gpt_oss"], FromGguf, FromHf, GptOssHfWeightSource.HfName,
        model => new GptOssHfWeightSource(model));

    public string Architecture => "gpt-oss";

    /// <summary>YaRN's per-frequency divisors [Dh/2], or null without scaling.</summary>
    public float[]? RopeFactors { get; init; }

    /// <summary>YaRN's attention factor on cos and sin; 1 without scaling.</summary>
    public float RopeAttnFactor { get; init; } = 1f;

    /// <summary>YaRN's scaling factor and original context as the file states them (0 without scaling), for writing GGUF.</summary>
    public float YarnFactor { get; init; }

    public int YarnOriginalContext { get; init; }

    /// <summary>YaRN's correction bounds (32 and 1 unless the file says).</summary>
    public float YarnBetaFast { get; init; } = 32f;

    public float YarnBetaSlow { get; init; } = 1f;

    /// <summary>The window of the even (sliding) layers.</summary>
    public required int SlidingWindow { get; init; }

    public required int ExpertCount { get; init; }

    public required int ExpertsUsed { get; init; }

    public required int ExpertIntermediateSize { get; init; }

    /// <inheritdoc />
    public DecoderShape Shape => new(HiddenSize, ExpertIntermediateSize, NumHiddenLayers, NumAttentionHeads, NumKeyValueHeads, HeadDim, VocabSize)
    {
        Experts = ExpertCount,
        ExpertsUsed = ExpertsUsed,
    };

    int IModelSpec.ContextLength => MaxPositionEmbeddings;

    /// <summary>The window of layer <paramref name="layer"/> (llama.cpp's swa pattern 2: even layers slide), 0 for a full one.</summary>
    public int WindowOf(int layer) => layer % 2 == 0 ? SlidingWindow : 0;

    /// <summary>The RoPE of every layer.</summary>
    public RopeSpec Rope => new(HeadDim, RopeTheta, RopeLayout.RotateHalf, RopeFactors, AttnFactor: RopeAttnFactor);

    /// <summary>Every tensor, in GGUF names (experts one by one: rows of the 3-D tensors).</summary>
    public IEnumerable<ArchTensor> Tensors()
    {
        int d = HiddenSize, q = NumAttentionHeads * HeadDim, kv = NumKeyValueHeads * HeadDim, f = ExpertIntermediateSize, e = ExpertCount;
        ArchTensor Vector(string name, int width) => new(name, 1, width, WeightRole.Vector);
        yield return new ArchTensor("token_embd.weight", VocabSize, d, WeightRole.Table);
        for (int i = 0; i < NumHiddenLayers; i++)
        {
            string b = $"blk.{i}.";
            yield return Vector(b + "attn_norm.weight", d);
            yield return new ArchTensor(b + "attn_q.weight", q, d, WeightRole.Matrix);
            yield return Vector(b + "attn_q.bias", q);
            yield return new ArchTensor(b + "attn_k.weight", kv, d, WeightRole.Matrix);
            yield return Vector(b + "attn_k.bias", kv);
            yield return new ArchTensor(b + "attn_v.weight", kv, d, WeightRole.Matrix);
            yield return Vector(b + "attn_v.bias", kv);
            yield return new ArchTensor(b + "attn_output.weight", d, q, WeightRole.Matrix);
            yield return Vector(b + "attn_output.bias", d);
            yield return Vector(b + "attn_sinks.weight", NumAttentionHeads);
            yield return Vector(b + "post_attention_norm.weight", d);
            yield return new ArchTensor(b + "ffn_gate_inp.weight", e, d, WeightRole.Matrix);
            yield return Vector(b + "ffn_gate_inp.bias", e);
            for (int x = 0; x < e; x++)
            {
                yield return new ArchTensor(b + WeightSource.ExpertName("ffn_gate_exps.weight", x), f, d, WeightRole.Matrix);
                yield return new ArchTensor(b + WeightSource.ExpertName("ffn_up_exps.weight", x), f, d, WeightRole.Matrix);
                yield return new ArchTensor(b + WeightSource.ExpertName("ffn_down_exps.weight", x), d, f, WeightRole.Matrix);
            }
            // Per-expert biases, ggml ne = [width, experts]: E rows.
            yield return new ArchTensor(b + "ffn_gate_exps.bias", e, f, WeightRole.Vector);
            yield return new ArchTensor(b + "ffn_up_exps.bias", e, f, WeightRole.Vector);
            yield return new ArchTensor(b + "ffn_down_exps.bias", e, d, WeightRole.Vector);
        }
        yield return Vector("output_norm.weight", d);
        yield return new ArchTensor("output.weight", VocabSize, d, WeightRole.Matrix, Optional: true);
    }

    /// <summary>Reads the config from GGUF metadata as llama.cpp does.</summary>
    public static GptOssConfig FromGguf(GgufFile file)
    {
        const string arch = "gpt-oss";
        var g = new GgufKeys(file, arch);
        int d = g.Int("embedding_length"), heads = g.Int("attention.head_count");
        int headDim = g.OptInt("attention.key_length") ?? d / heads;
        int vocab = g.Vocab();
        float theta = g.Float("rope.freq_base") ?? 10000f;
        float[]? factors = null;
        float attnFactor = 1f;
        (float Factor, int Original) yarn = (0, 0);
        float betaFast = 32f, betaSlow = 1f;
        if (file.TryGetString($"{arch}.rope.scaling.type", out var scaling) && scaling != "none")
        {
            if (scaling != "yarn")
                throw new ModelFormatException($"{file.Path}: '{arch}.rope.scaling.type' is '{scaling}'; GPT-OSS supports yarn (or none)");
            float factor = g.Float("rope.scaling.factor") ?? throw g.Missing("rope.scaling.factor");
            int original = g.OptInt("rope.scaling.original_context_length") ?? throw g.Missing("rope.scaling.original_context_length");
            (betaFast, betaSlow) = (g.Float("rope.scaling.yarn_beta_fast") ?? betaFast, g.Float("rope.scaling.yarn_beta_slow") ?? betaSlow);
            (factors, attnFactor) = YarnFactors(headDim, theta, factor, original, betaFast, betaSlow);
            yarn = (factor, original);
        }
        return new GptOssConfig
        {
            YarnFactor = yarn.Factor,
            YarnOriginalContext = yarn.Original,
            YarnBetaFast = betaFast,
            YarnBetaSlow = betaSlow,
            HiddenSize = d,
            NumHiddenLayers = g.Int("block_count"),
            NumAttentionHeads = heads,
            NumKeyValueHeads = g.OptInt("attention.head_count_kv") ?? heads,
            HeadDim = headDim,
            VocabSize = vocab,
            MaxPositionEmbeddings = g.OptInt("context_length") ?? 4096,
            RmsNormEps = g.Float("attention.layer_norm_rms_epsilon") ?? 1e-5f,
            RopeTheta = theta,
            RopeFactors = factors,
            RopeAttnFactor = attnFactor,
            SlidingWindow = g.OptInt("attention.sliding_window") ?? 128,
            ExpertCount = g.Int("expert_count"),
            ExpertsUsed = g.Int("expert_used_count"),
            ExpertIntermediateSize = g.OptInt("expert_feed_forward_length") ?? g.Int("feed_forward_length"),
        };
    }

    /// <summary>
    /// YaRN (https://arxiv.org/abs/2309.00071) as ggml's rope_yarn applies it with ext_factor 1: frequency i's angle is
    /// blended between interpolation (divided by <paramref name="factor"/>) and extrapolation by a ramp over the pairs
    /// between the correction dimensions of beta_fast and beta_slow (floored and ceiled), so it is a divisor per
    /// frequency; cos and sin are scaled by 1 + 0.1 ln(factor).
    /// </summary>
    public static (float[] Divisors, float AttnFactor) YarnFactors(int headDim, float theta, float factor, int originalContext, float betaFast, float betaSlow)
    {
        double CorrDim(float rotations) => headDim * Math.Log(originalContext / (rotations * 2 * Math.PI)) / (2 * Math.Log(theta));
        double low = Math.Max(0, Math.Floor(CorrDim(betaFast))), high = Math.Min(headDim - 1, Math.Ceiling(CorrDim(betaSlow)));
        float scale = 1f / factor;
        var divisors = new float[headDim / 2];
        for (int i = 0; i < divisors.Length; i++)
        {
            double y = (i - low) / Math.Max(0.001, high - low);
            double ramp = 1 - Math.Min(1, Math.Max(0, y)); // 1: extrapolate (high frequencies), 0: interpolate
            divisors[i] = (float)(1 / (scale * (1 - ramp) + ramp));
        }
        return (divisors, 1f + 0.1f * MathF.Log(factor));
    }

    /// <summary>
    /// Reads the config from a Hugging Face config.json (transformers GptOssConfig). What GGUF cannot say differently is
    /// refused when it differs: the layer pattern (sliding on even layers), the SwiGLU clamp (7).
    /// </summary>
    public static GptOssConfig FromHf(HfConfig hf, string origin)
    {
        int layers = hf.NumHiddenLayers, headDim = hf.HeadDimOrDefault;
        var types = hf.StringList("layer_types");
        for (int i = 0; i < types.Count; i++)
        {
            if (types[i] != (i % 2 == 0 ? "sliding_attention" : "full_attention"))
                throw new ModelFormatException($"{origin}: layer_types[{i}] is '{types[i]}'; GPT-OSS slides on even layers and attends fully on odd ones");
        }
        if (hf.OptionalDouble("swiglu_limit") is { } limit && limit != ExpertSet.OaiLimit)
            throw new ModelFormatException($"{origin}: swiglu_limit {limit} is not supported (GPT-OSS clamps at {ExpertSet.OaiLimit})");
        float theta = (float)hf.RopeTheta;
        float[]? factors = null;
        float attnFactor = 1f, betaFast = 32f, betaSlow = 1f;
        (float Factor, int Original) yarn = (0, 0);
        if (hf.RopeScaling is { } rs && rs.RopeType != "default")
        {
            if (rs.RopeType != "yarn")
                throw new ModelFormatException($"{origin}: rope_scaling type '{rs.RopeType}' is not supported for GPT-OSS (supported: yarn)");
            double Field(string name, double fallback) => rs.Raw.TryGetProperty(name, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.Number ? v.GetDouble() : fallback;
            int original = rs.OriginalMaxPositionEmbeddings ?? throw new ModelFormatException($"{origin}: yarn rope_scaling needs original_max_position_embeddings");
            float factor = (float)(rs.Factor ?? throw new ModelFormatException($"{origin}: yarn rope_scaling has no factor"));
            (betaFast, betaSlow) = ((float)Field("beta_fast", 32), (float)Field("beta_slow", 1));
            (factors, attnFactor) = YarnFactors(headDim, theta, factor, original, betaFast, betaSlow);
            yarn = (factor, original);
        }
        return new GptOssConfig
        {
            YarnFactor = yarn.Factor,
            YarnOriginalContext = yarn.Original,
            YarnBetaFast = betaFast,
            YarnBetaSlow = betaSlow,
            HiddenSize = hf.HiddenSize,
            NumHiddenLayers = layers,
            NumAttentionHeads = hf.NumAttentionHeads,
            NumKeyValueHeads = hf.NumKeyValueHeads,
            HeadDim = headDim,
            VocabSize = hf.VocabSize,
            MaxPositionEmbeddings = hf.MaxPositionEmbeddings ?? 4096,
            RmsNormEps = (float)(hf.RmsNormEps ?? 1e-5),
            RopeTheta = theta,
            RopeFactors = factors,
            RopeAttnFactor = attnFactor,
            SlidingWindow = hf.SlidingWindow ?? 128,
            ExpertCount = hf.OptionalInt("num_local_experts") ?? throw new ModelFormatException($"{origin}: config.json has no num_local_experts"),
            ExpertsUsed = hf.OptionalInt("num_experts_per_tok") ?? hf.OptionalInt("experts_per_token") ?? 4,
            ExpertIntermediateSize = hf.IntermediateSize,
        };
    }

    /// <inheritdoc />
    public void Validate(string origin)
    {
        SpecChecks.Positive(origin, (HiddenSize, nameof(HiddenSize)), (NumHiddenLayers, nameof(NumHiddenLayers)), (NumAttentionHeads, nameof(NumAttentionHeads)),
            (NumKeyValueHeads, nameof(NumKeyValueHeads)), (HeadDim, nameof(HeadDim)), (VocabSize, nameof(VocabSize)), (ExpertCount, nameof(ExpertCount)),
            (ExpertIntermediateSize, nameof(ExpertIntermediateSize)));
        SpecChecks.Heads(origin, NumAttentionHeads, NumKeyValueHeads, HeadDim);
        if (ExpertsUsed < 1 || ExpertsUsed > ExpertCount)
            throw new ModelFormatException($"{origin}: {ExpertsUsed} experts used of {ExpertCount}");
        if (SlidingWindow < 0)
            throw new ModelFormatException($"{origin}: sliding window {SlidingWindow} must be positive or 0 (off)");
    }

    /// <inheritdoc />
    public IReadOnlyList<PlannedWeight> Plan(WeightSource source) => ArchWeights.Plan(source, Tensors(), hf: false);

    /// <inheritdoc />
    public void AddHyperParameters(GgufWriter w)
    {
        const string a = "gpt-oss";
        AddDecoderKeys(w, a, ExpertIntermediateSize);
        w.Add($"{a}.attention.sliding_window", (uint)SlidingWindow);
        w.Add($"{a}.expert_count", (uint)ExpertCount);
        w.Add($"{a}.expert_used_count", (uint)ExpertsUsed);
        w.Add($"{a}.expert_feed_forward_length", (uint)ExpertIntermediateSize);
        if (YarnFactor > 0)
        {
            w.Add($"{a}.rope.scaling.type", "yarn");
            w.Add($"{a}.rope.scaling.factor", YarnFactor);
            w.Add($"{a}.rope.scaling.original_context_length", (uint)YarnOriginalContext);
        }
    }

    /// <inheritdoc />
    public void CheckGgufExpressible(string origin)
    {
        if (YarnFactor > 0 && (YarnBetaFast != 32f || YarnBetaSlow != 1f))
            throw new ModelFormatException($"{origin}: YaRN beta_fast {YarnBetaFast} / beta_slow {YarnBetaSlow} cannot be written to GGUF (llama.cpp uses 32 and 1)");
    }

    /// <inheritdoc />
    public IReadOnlyList<OpRequirement> Requirements(IReadOnlyList<PlannedWeight> plan, DType kvType) =>
        ArchWeights.DecoderRequirements(plan, kvType, Rope.IsExtended, sinks: true);

    /// <inheritdoc />
    public ILanguageModel Create(IReadOnlyList<PlannedWeight> plan, IDevice device, ModelLoadOptions options, IDisposable? owner) =>
        new GptOssModel(this, ArchWeights.Load(plan, device, options.Progress), device, options.KvType, owner);
}
