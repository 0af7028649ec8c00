// Test fixture builder: a random-weight Llama-family model (llama, mistral, qwen2 biases, qwen3 q/k
// norm) or Gemma 2/3 model (sandwich norms, GeGLU, soft-caps, interleaved sliding layers) held as f32 values, written with our GGUF writer (matrices in any dtype Meridian decodes,
// optionally with a byte-token SPM vocab so llama.cpp can load it) or our safetensors writer.
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;
using Meridian.Core.Backends;
using Meridian.Core.Ops;
using Meridian.Core.Quant;
using Meridian.Core.Tensors;
using Meridian.Formats.Gguf;
using Meridian.Formats.Safetensors;

namespace Meridian.Models.Tests;

/// <summary>Sizes of a synthetic model. D = hidden, F = ffn, V = vocab, H = heads, Hkv = kv heads, Dh = head dim, L = layers.</summary>
internal sealed record SyntheticShape(int D, int F, int V, int H, int Hkv, int Dh, int L);

internal sealed class SyntheticModel
{
    public const float RmsEps = 1e-6f;
    public const float RopeTheta = 10000f;
    public const int ContextLength = 64;

    /// <summary>Vocab size of <see cref="SpmByteTokens"/>: &lt;unk&gt; &lt;s&gt; &lt;/s&gt; and the 256 byte tokens.</summary>
    public const int SpmVocabSize = 3 + 256;

    private SyntheticModel(string arch, SyntheticShape shape, Dictionary<string, (int Rows, int Cols, float[] Data)> weights)
    {
        Arch = arch;
        Shape = shape;
        Weights = weights;
    }

    public string Arch { get; }

    public SyntheticShape Shape { get; }

    /// <summary>Every tensor by GGUF name, row-major [Rows, Cols] f32; 1-D tensors have Rows = 1.</summary>
    public Dictionary<string, (int Rows, int Cols, float[] Data)> Weights { get; }

    /// <summary>
    /// Sliding window (0 = full attention): on every layer for mimo2 (written as its keys), on Gemma's sliding layers
    /// (Gemma 2: even layers; Gemma 3: five of six); used by <see cref="ReferenceForward"/>.
    /// </summary>
    public int SlidingWindow { get; set; }

    /// <summary>Gemma 2's attention score soft-cap (written as gemma2.attn_logit_softcapping).</summary>
    public float AttnSoftcap { get; set; }

    /// <summary>Gemma 2's final logit soft-cap (written as gemma2.final_logit_softcapping).</summary>
    public float FinalSoftcap { get; set; }

    /// <summary>RoPE base of Gemma's global layers (its sliding layers use <see cref="RopeTheta"/>, 10000, as llama.cpp fixes it).</summary>
    public float GlobalRopeTheta { get; set; } = RopeTheta;

    /// <summary>Gemma 3's linear RoPE scaling of the global layers (1 = none).</summary>
    public float RopeLinearFactor { get; set; } = 1f;

    /// <summary>Phi-3's rotated width per head (0 = all of it), written as phi3.rope.dimension_count.</summary>
    public int RotaryDim { get; set; }

    /// <summary>Phi-3's LongRoPE: divisors for short and long contexts ([R/2] each, null = none), the original context and the attention factor.</summary>
    public float[]? ShortFactors { get; set; }

    public float[]? LongFactors { get; set; }

    public int OriginalContext { get; set; }

    public float AttnFactor { get; set; } = 1f;

    /// <summary>Experts per layer and experts per token of a mixture-of-experts model ("mixtral", "qwen3moe", "olmoe").</summary>
    public static (int Experts, int Used) MoeShape(string arch) => arch switch
    {
        "mixtral" => (4, 2),
        "qwen3moe" => (8, 3),
        "olmoe" => (8, 2),
        "gpt-oss" => (8, 2),
        _ => (0, 0),
    };

    /// <summary>GPT-OSS's YaRN factor (0 = no scaling), with <see cref="OriginalContext"/> as its original context.</summary>
    public float YarnFactor { get; set; }

    /// <summary>A mixture-of-experts model.</summary>
    public bool IsMoe => MoeShape(Arch).Experts > 0;

    /// <summary>
    /// After <see cref="ReferenceForward"/> of a mixture-of-experts model: per position, the smallest gap (over layers)
    /// between the router scores of the last expert chosen and the first one not chosen. Where it is small, any
    /// rounding difference may route that token elsewhere (and, in a later layer's attention, move the positions after it).
    /// </summary>
    public float[] RouterGaps { get; private set; } = [];

    /// <summary>Gemma 2 or Gemma 3.</summary>
    public bool IsGemma => Arch is "gemma2" or "gemma3";

    /// <summary>Whether Gemma layer <paramref name="layer"/> slides (llama.cpp's swa pattern: 2 for Gemma 2, 6 for Gemma 3).</summary>
    public bool Slides(int layer) => SlidingWindow > 0 && (Arch == "gemma2" ? layer % 2 == 0 : Arch == "gemma3" ? layer % 6 < 5 : true);

    /// <summary>
    /// Uniform random weights. Matrices are scaled by sqrt(3 / cols) so every projection's output
    /// has unit variance for unit-variance input (logits stay O(1) at any width); norm weights are
    /// 1 ± 0.2, biases ± 0.3, embeddings ± 1.
    /// </summary>
    public static SyntheticModel Random(string arch, SyntheticShape s, int seed)
    {
        var rng = new Random(seed);
        var w = new Dictionary<string, (int, int, float[])>();
        void Add(string name, int rows, int cols, float scale, float offset = 0f)
        {
            var a = new float[rows * cols];
            for (int i = 0; i < a.Length; i++)
                a[i] = offset + scale * (float)(rng.NextDouble() * 2 - 1);
            w[name] = (rows, cols, a);
        }
        void Matrix(string name, int rows, int cols) => Add(name, rows, cols, MathF.Sqrt(3f / cols));
        void Norm(string name, int width) => Add(name, 1, width, 0.2f, 1f);

        int q = s.H * s.Dh, kv = s.Hkv * s.Dh;
        bool gemma = arch is "gemma2" or "gemma3", phi = arch == "phi3";
        Add("token_embd.weight", s.V, s.D, gemma ? 1f / MathF.Sqrt(s.D) : 1f); // Gemma scales embeddings by sqrt(D)
        Norm("output_norm.weight", s.D);
        if (!gemma)
            Matrix("output.weight", s.V, s.D); // Gemma ties its output to the embedding
        for (int l = 0; l < s.L; l++)
        {
            string b = $"blk.{l}.";
            Norm(b + "attn_norm.weight", s.D);
            if (phi)
            {
                Matrix(b + "attn_qkv.weight", q + 2 * kv, s.D); // Q rows, then K, then V
            }
            else
            {
                Matrix(b + "attn_q.weight", q, s.D);
                Matrix(b + "attn_k.weight", kv, s.D);
                Matrix(b + "attn_v.weight", kv, s.D);
            }
            Matrix(b + "attn_output.weight", s.D, q);
            if (arch != "gpt-oss") // GPT-OSS names its norm before the experts post_attention_norm
                Norm(b + "ffn_norm.weight", s.D);
            var (experts, _) = MoeShape(arch);
            if (experts > 0)
            {
                // A router whose scores spread widely (std ~6), so tokens route differently and near-ties are rare.
                Add(b + "ffn_gate_inp.weight", experts, s.D, 6f * MathF.Sqrt(3f / s.D));
                for (int e = 0; e < experts; e++)
                {
                    Matrix(b + $"ffn_gate_exps.{e}.weight", s.F, s.D);
                    Matrix(b + $"ffn_up_exps.{e}.weight", s.F, s.D);
                    Matrix(b + $"ffn_down_exps.{e}.weight", s.D, s.F);
                }
                if (arch == "gpt-oss")
                {
                    // GPT-OSS: a router bias, per-expert biases (large enough that gates and ups reach the ±7 clamp),
                    // q/k/v/output biases, per-head sinks about the scores' size, and the norm before the experts.
                    Add(b + "ffn_gate_inp.bias", 1, experts, 1f);
                    Add(b + "ffn_gate_exps.bias", experts, s.F, 4f);
                    Add(b + "ffn_up_exps.bias", experts, s.F, 4f);
                    Add(b + "ffn_down_exps.bias", experts, s.D, 0.3f);
                    Add(b + "attn_q.bias", 1, q, 0.3f);
                    Add(b + "attn_k.bias", 1, kv, 0.3f);
                    Add(b + "attn_v.bias", 1, kv, 0.3f);
                    Add(b + "attn_output.bias", 1, s.D, 0.3f);
                    Add(b + "attn_sinks.weight", 1, s.H, 2f, 1f);
                    Norm(b + "post_attention_norm.weight", s.D);
                }
            }
            else if (phi)
            {
                Matrix(b + "ffn_up.weight", 2 * s.F, s.D); // gate rows, then up
            }
            else
            {
                Matrix(b + "ffn_gate.weight", s.F, s.D);
                Matrix(b + "ffn_up.weight", s.F, s.D);
            }
            if (experts == 0)
                Matrix(b + "ffn_down.weight", s.D, s.F);
            if (arch == "qwen2")
            {
                Add(b + "attn_q.bias", 1, q, 0.3f);
                Add(b + "attn_k.bias", 1, kv, 0.3f);
                Add(b + "attn_v.bias", 1, kv, 0.3f);
            }
            if (arch is "qwen3" or "gemma3" or "qwen3moe")
            {
                Norm(b + "attn_q_norm.weight", s.Dh);
                Norm(b + "attn_k_norm.weight", s.Dh);
            }
            if (arch == "olmoe")
            {
                Norm(b + "attn_q_norm.weight", q);
                Norm(b + "attn_k_norm.weight", kv);
            }
            if (gemma)
            {
                Norm(b + "post_attention_norm.weight", s.D);
                Norm(b + "post_ffw_norm.weight", s.D);
            }
        }
        return new SyntheticModel(arch, s, w);
    }

    /// <summary>
    /// Writes a GGUF file. 2-D tensors are stored as <paramref name="matrixType"/> (types our
    /// quantizers cannot encode get random valid blocks, see <see cref="RandomBlocks"/>), and the
    /// stored bytes decoded back replace the f32 values in <see cref="Weights"/>, so a reference
    /// computed afterwards sees exactly what the engines read. 1-D tensors (norms, biases) stay f32,
    /// as llama.cpp requires. <paramref name="withVocab"/> adds the byte-token SPM vocab llama.cpp
    /// needs to load a model (V must be <see cref="SpmVocabSize"/>). <paramref name="architecture"/>
    /// overrides the general.architecture written (and its key prefix); the same
    /// <paramref name="seed"/> gives the same bytes under either name.
    /// </summary>
    public void WriteGguf(string path, DType matrixType = DType.F32, bool withVocab = false, int seed = 0, string? architecture = null)
    {
        var s = Shape;
        string arch = architecture ?? (Arch == "mixtral" ? "llama" : Arch); // GGUF writes Mixtral as Llama with experts
        var writer = new GgufWriter()
            .Add("general.architecture", arch)
            .Add($"{arch}.embedding_length", (uint)s.D)
            .Add($"{arch}.feed_forward_length", (uint)s.F)
            .Add($"{arch}.block_count", (uint)s.L)
            .Add($"{arch}.attention.head_count", (uint)s.H)
            .Add($"{arch}.attention.head_count_kv", (uint)s.Hkv)
            .Add($"{arch}.attention.key_length", (uint)s.Dh)
            .Add($"{arch}.attention.value_length", (uint)s.Dh)
            .Add($"{arch}.context_length", (uint)ContextLength)
            .Add($"{arch}.attention.layer_norm_rms_epsilon", RmsEps)
            .Add($"{arch}.rope.freq_base", arch == "gemma3" ? GlobalRopeTheta : RopeTheta);
        if (arch == "mimo2")
        {
            // llama.cpp's mimo2 (dense: no experts): a sliding window on every layer (pattern 1 = all layers),
            // the same RoPE base for the sliding layers, an expert width of 0.
            writer
                .Add($"{arch}.attention.sliding_window", (uint)SlidingWindow)
                .Add($"{arch}.attention.sliding_window_pattern", 1u)
                .Add($"{arch}.rope.freq_base_swa", RopeTheta)
                .Add($"{arch}.expert_feed_forward_length", 0u);
        }
        if (arch == "gemma2")
        {
            writer
                .Add($"{arch}.attention.sliding_window", (uint)SlidingWindow)
                .Add($"{arch}.attn_logit_softcapping", AttnSoftcap)
                .Add($"{arch}.final_logit_softcapping", FinalSoftcap);
        }
        if (arch == "gemma3")
        {
            writer.Add($"{arch}.attention.sliding_window", (uint)SlidingWindow);
            if (RopeLinearFactor != 1f)
                writer.Add($"{arch}.rope.scaling.type", "linear").Add($"{arch}.rope.scaling.factor", RopeLinearFactor);
        }
        if (arch == "phi3")
        {
            writer.Add($"{arch}.rope.dimension_count", (uint)(RotaryDim == 0 ? s.Dh : RotaryDim));
            if (ShortFactors != null)
            {
                writer.Add($"{arch}.rope.scaling.attn_factor", AttnFactor).Add($"{arch}.rope.scaling.original_context_length", (uint)OriginalContext);
                writer.AddTensor("rope_factors_long.weight", DType.F32, [LongFactors!.Length], MemoryMarshal.AsBytes(LongFactors.AsSpan()).ToArray());
                writer.AddTensor("rope_factors_short.weight", DType.F32, [ShortFactors.Length], MemoryMarshal.AsBytes(ShortFactors.AsSpan()).ToArray());
            }
        }
        if (IsMoe)
        {
            var (experts, used) = MoeShape(Arch);
            writer.Add($"{arch}.expert_count", (uint)experts).Add($"{arch}.expert_used_count", (uint)used);
            if (arch is "qwen3moe" or "gpt-oss")
                writer.Add($"{arch}.expert_feed_forward_length", (uint)s.F);
            if (arch == "gpt-oss")
            {
                writer.Add($"{arch}.attention.sliding_window", (uint)SlidingWindow);
                if (YarnFactor > 0)
                    writer.Add($"{arch}.rope.scaling.type", "yarn").Add($"{arch}.rope.scaling.factor", YarnFactor)
                        .Add($"{arch}.rope.scaling.original_context_length", (uint)OriginalContext);
            }
        }
        if (withVocab)
        {
            if (s.V != SpmVocabSize)
                throw new InvalidOperationException($"the byte-token vocab has {SpmVocabSize} tokens, the model {s.V}");
            writer
                .Add("tokenizer.ggml.model", "llama")
                .Add("tokenizer.ggml.tokens", SpmByteTokens())
                .Add("tokenizer.ggml.scores", new float[s.V])
                // SentencePiece token types: 2 unknown, 3 control, 6 byte
                .Add("tokenizer.ggml.token_type", [2, 3, 3, .. Enumerable.Repeat(6, 256)])
                .Add("tokenizer.ggml.unknown_token_id", 0u)
                .Add("tokenizer.ggml.bos_token_id", 1u)
                .Add("tokenizer.ggml.eos_token_id", 2u)
                .Add("tokenizer.ggml.add_space_prefix", false);
        }
        var rng = new Random(seed);
        var stacks = new Dictionary<string, List<byte[]>>();
        foreach (var (name, (rows, cols, data)) in Weights)
        {
            var (stack, expert) = Meridian.Models.Weights.WeightSource.SplitExpertName(name);
            if (stack != null && name.Contains("_exps.", StringComparison.Ordinal))
            {
                // One expert of a 3-D GGUF tensor [E, rows, cols]: quantized alone, written with its siblings below.
                byte[] expertBytes = new byte[matrixType.ByteSize(data.Length)];
                QuantCodecs.QuantizeReference(matrixType, data, expertBytes);
                QuantCodecs.DequantizeReference(matrixType, expertBytes, data);
                if (!stacks.TryGetValue(stack, out var list))
                    stacks[stack] = list = [];
                if (list.Count != expert)
                    throw new InvalidOperationException($"{name}: experts must come in order");
                list.Add(expertBytes);
                continue;
            }
            if (rows == 1)
            {
                writer.AddTensor(name, DType.F32, [cols], MemoryMarshal.AsBytes(data.AsSpan()).ToArray());
                continue;
            }
            if (name.EndsWith(".bias", StringComparison.Ordinal))
            {
                writer.AddTensor(name, DType.F32, [cols, rows], MemoryMarshal.AsBytes(data.AsSpan()).ToArray()); // GPT-OSS's per-expert biases
                continue;
            }
            byte[] bytes = new byte[matrixType.ByteSize(data.Length)];
            if (QuantCodecs.CanQuantize(matrixType))
                QuantCodecs.QuantizeReference(matrixType, data, bytes);
            else
                RandomBlocks(matrixType, bytes, RmsOf(data), rng);
            // llama-quantize keeps the router f32 (expert gating is never quantized).
            var type = name.EndsWith(".ffn_gate_inp.weight", StringComparison.Ordinal) ? DType.F32 : matrixType;
            if (type != matrixType)
            {
                writer.AddTensor(name, type, [cols, rows], MemoryMarshal.AsBytes(data.AsSpan()).ToArray());
                continue;
            }
            QuantCodecs.DequantizeReference(matrixType, bytes, data);
            writer.AddTensor(name, matrixType, [cols, rows], bytes);
        }
        foreach (var (stack, list) in stacks)
        {
            var (rows, cols, _) = Weights[Meridian.Models.Weights.WeightSource.ExpertName(stack, 0)];
            writer.AddTensor(stack, matrixType, [cols, rows, list.Count], list.SelectMany(b => b).ToArray());
        }
        writer.Write(path);
    }

    /// <summary>
    /// Writes config.json and model.safetensors (f32, HF names) into <paramref name="dir"/>; GPT-OSS's experts as
    /// transformers stores them, dequantized or (<paramref name="mxfp4"/>) as MXFP4 blocks and scales.
    /// </summary>
    public void WriteHf(string dir, bool mxfp4 = false)
    {
        if (IsGemma)
        {
            WriteGemmaHf(dir);
            return;
        }
        if (Arch == "gpt-oss")
        {
            WriteGptOssHf(dir, mxfp4);
            return;
        }
        var s = Shape;
        var config = new Dictionary<string, object?>
        {
            ["model_type"] = Arch switch { "qwen3moe" => "qwen3_moe", _ => Arch },
            ["hidden_size"] = s.D,
            ["intermediate_size"] = s.F,
            ["num_hidden_layers"] = s.L,
            ["num_attention_heads"] = s.H,
            ["num_key_value_heads"] = s.Hkv,
            ["head_dim"] = s.Dh,
            ["vocab_size"] = s.V,
            ["max_position_embeddings"] = ContextLength,
            ["rms_norm_eps"] = (double)RmsEps,
            ["rope_theta"] = (double)RopeTheta,
            ["tie_word_embeddings"] = false,
        };
        if (Arch == "phi3")
        {
            config["partial_rotary_factor"] = (double)(RotaryDim == 0 ? s.Dh : RotaryDim) / s.Dh;
            if (ShortFactors != null)
            {
                config["original_max_position_embeddings"] = OriginalContext;
                config["rope_scaling"] = new Dictionary<string, object> { ["type"] = "longrope", ["short_factor"] = ShortFactors, ["long_factor"] = LongFactors! };
            }
        }
        if (IsMoe)
        {
            var (experts, used) = MoeShape(Arch);
            config[Arch == "mixtral" ? "num_local_experts" : "num_experts"] = experts;
            config["num_experts_per_tok"] = used;
            if (Arch == "qwen3moe")
                config["moe_intermediate_size"] = s.F;
            config["norm_topk_prob"] = Arch != "olmoe";
        }
        Func<string, string?> hfName = Arch switch
        {
            "phi3" => Meridian.Models.Phi3.Phi3Config.HfName,
            "mixtral" => Meridian.Models.Weights.SafetensorsWeightSource.MixtralHfName,
            _ => Meridian.Models.Weights.SafetensorsWeightSource.HfName,
        };
        File.WriteAllText(Path.Combine(dir, "config.json"), JsonSerializer.Serialize(config));
        var writer = new SafetensorsWriter();
        foreach (var (name, (rows, cols, data)) in Weights)
        {
            var values = data;
            // Mixtral is GGUF "llama", whose Q/K rows llama.cpp's converter permuted to interleaved pairs: undo it.
            if (Arch == "mixtral" && (name.EndsWith(".attn_q.weight", StringComparison.Ordinal) || name.EndsWith(".attn_k.weight", StringComparison.Ordinal)))
            {
                values = new float[data.Length];
                for (int r = 0; r < rows; r++)
                    data.AsSpan(r * cols, cols).CopyTo(values.AsSpan(Meridian.Models.Conversion.HfToGguf.PermutedRow(r, s.Dh) * cols, cols));
            }
            writer.AddTensor(hfName(name)!, SafetensorsDType.F32, rows == 1 ? [cols] : [rows, cols],
                MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
        }
        writer.Write(Path.Combine(dir, "model.safetensors"));
    }

    // GPT-OSS's checkpoint as transformers saves it: gate and up experts in one tensor with their outputs interleaved,
    // for x · W ([E, D, 2F], down [E, F, D]) or as MXFP4 blocks [E, out, in/32, 16] (consecutive values in a byte's low
    // and high nibbles) and E8M0 scales [E, out, in/32]; sinks without ".weight"; the router as mlp.router.
    private void WriteGptOssHf(string dir, bool mxfp4)
    {
        var s = Shape;
        var (experts, used) = MoeShape(Arch);
        var config = new Dictionary<string, object?>
        {
            ["model_type"] = "gpt_oss",
            ["hidden_size"] = s.D,
            ["intermediate_size"] = s.F,
            ["num_hidden_layers"] = s.L,
            ["num_attention_heads"] = s.H,
            ["num_key_value_heads"] = s.Hkv,
            ["head_dim"] = s.Dh,
            ["vocab_size"] = s.V,
            ["max_position_embeddings"] = ContextLength,
            ["rms_norm_eps"] = (double)RmsEps,
            ["rope_theta"] = (double)RopeTheta,
            ["rope_scaling"] = YarnFactor > 0 ? new Dictionary<string, object>
            {
                ["rope_type"] = "yarn", ["factor"] = (double)YarnFactor, ["original_max_position_embeddings"] = OriginalContext,
                ["beta_fast"] = 32.0, ["beta_slow"] = 1.0,
            } : null,
            ["sliding_window"] = SlidingWindow,
            ["layer_types"] = Enumerable.Range(0, s.L).Select(l => l % 2 == 0 ? "sliding_attention" : "full_attention").ToArray(),
            ["num_local_experts"] = experts,
            ["num_experts_per_tok"] = used,
            ["swiglu_limit"] = 7.0,
            ["attention_bias"] = true,
            ["tie_word_embeddings"] = false,
        };
        if (mxfp4)
            config["quantization_config"] = new Dictionary<string, object> { ["quant_method"] = "mxfp4" };
        File.WriteAllText(Path.Combine(dir, "config.json"), JsonSerializer.Serialize(config));
        var writer = new SafetensorsWriter();
        void F32(string name, long[] shape, float[] data) => writer.AddTensor(name, SafetensorsDType.F32, shape, MemoryMarshal.AsBytes(data.AsSpan()).ToArray());
        foreach (var (name, (rows, cols, data)) in Weights)
        {
            if (name.Contains("_exps.", StringComparison.Ordinal))
                continue; // below, per layer
            string hf = Meridian.Models.GptOss.GptOssHfWeightSource.HfName(name)!;
            F32(hf, rows == 1 ? [cols] : [rows, cols], data);
        }
        for (int l = 0; l < s.L; l++)
        {
            string b = $"blk.{l}.", stem = $"model.layers.{l}.mlp.experts.";
            float[] Bias(string kind) => Weights[b + $"ffn_{kind}_exps.bias"].Data;
            var gateUpBias = new float[experts * 2 * s.F];
            for (int e = 0; e < experts; e++)
                for (int f = 0; f < s.F; f++)
                    (gateUpBias[e * 2 * s.F + 2 * f], gateUpBias[e * 2 * s.F + 2 * f + 1]) = (Bias("gate")[e * s.F + f], Bias("up")[e * s.F + f]);
            F32(stem + "gate_up_proj_bias", [experts, 2 * s.F], gateUpBias);
            F32(stem + "down_proj_bias", [experts, s.D], Bias("down"));
            // Each expert's [out, in] matrices: gate and up interleaved by output.
            float[] GateUp(int e, int r) => Weights[b + $"ffn_{(r % 2 == 0 ? "gate" : "up")}_exps.{e}.weight"].Data.AsSpan(r / 2 * s.D, s.D).ToArray();
            float[] Down(int e, int r) => Weights[b + $"ffn_down_exps.{e}.weight"].Data.AsSpan(r * s.F, s.F).ToArray();
            if (mxfp4)
            {
                void Blocks(string name, int outRows, int inCols, Func<int, int, float[]> row)
                {
                    int groups = inCols / 32;
                    var blocks = new byte[experts * outRows * groups * 16];
                    var scales = new byte[experts * outRows * groups];
                    var ggml = new byte[groups * 17];
                    for (int e = 0; e < experts; e++)
                        for (int r = 0; r < outRows; r++)
                        {
                            QuantCodecs.QuantizeReference(DType.MXFP4, row(e, r), ggml);
                            for (int g = 0; g < groups; g++)
                            {
                                long at = ((long)e * outRows + r) * groups + g;
                                scales[at] = ggml[g * 17];
                                for (int j = 0; j < 16; j++)
                                {
                                    int Code(int v) => v < 16 ? ggml[g * 17 + 1 + v] & 0x0F : ggml[g * 17 + 1 + v - 16] >> 4;
                                    blocks[at * 16 + j] = (byte)(Code(2 * j) | Code(2 * j + 1) << 4);
                                }
                            }
                        }
                    writer.AddTensor(name + "_blocks", SafetensorsDType.U8, [experts, outRows, groups, 16], blocks);
                    writer.AddTensor(name + "_scales", SafetensorsDType.U8, [experts, outRows, groups], scales);
                }
                Blocks(stem + "gate_up_proj", 2 * s.F, s.D, GateUp);
                Blocks(stem + "down_proj", s.D, s.F, Down);
                continue;
            }
            var gateUp = new float[experts * s.D * 2 * s.F]; // [E, D, 2F]: for x · W
            var down = new float[experts * s.F * s.D];       // [E, F, D]
            for (int e = 0; e < experts; e++)
            {
                for (int r = 0; r < 2 * s.F; r++)
                {
                    var w = GateUp(e, r);
                    for (int c = 0; c < s.D; c++)
                        gateUp[((long)e * s.D + c) * 2 * s.F + r] = w[c];
                }
                for (int r = 0; r < s.D; r++)
                {
                    var w = Down(e, r);
                    for (int c = 0; c < s.F; c++)
                        down[((long)e * s.F + c) * s.D + r] = w[c];
                }
            }
            F32(stem + "gate_up_proj", [experts, s.D, 2 * s.F], gateUp);
            F32(stem + "down_proj", [experts, s.F, s.D], down);
        }
        writer.Write(Path.Combine(dir, "model.safetensors"));
    }

    // Gemma's checkpoint as transformers saves it: model_type gemma2 / gemma3_text, norms stored as w (the model
    // computes 1 + w, so the GGUF's 1 + w less one), the output tied to the embedding, the layer pattern as layer_types.
    private void WriteGemmaHf(string dir)
    {
        var s = Shape;
        var config = new Dictionary<string, object?>
        {
            ["model_type"] = Arch == "gemma2" ? "gemma2" : "gemma3_text",
            ["hidden_size"] = s.D,
            ["intermediate_size"] = s.F,
            ["num_hidden_layers"] = s.L,
            ["num_attention_heads"] = s.H,
            ["num_key_value_heads"] = s.Hkv,
            ["head_dim"] = s.Dh,
            ["vocab_size"] = s.V,
            ["max_position_embeddings"] = ContextLength,
            ["rms_norm_eps"] = (double)RmsEps,
            ["rope_theta"] = (double)GlobalRopeTheta,
            ["rope_local_base_freq"] = (double)RopeTheta,
            ["rope_scaling"] = RopeLinearFactor == 1f ? null : new Dictionary<string, object> { ["rope_type"] = "linear", ["factor"] = (double)RopeLinearFactor },
            ["query_pre_attn_scalar"] = s.Dh,
            ["sliding_window"] = SlidingWindow,
            ["layer_types"] = Enumerable.Range(0, s.L).Select(l => Slides(l) ? "sliding_attention" : "full_attention").ToArray(),
            ["attn_logit_softcapping"] = AttnSoftcap > 0 ? (double)AttnSoftcap : null,
            ["final_logit_softcapping"] = FinalSoftcap > 0 ? (double)FinalSoftcap : null,
            ["hidden_activation"] = "gelu_pytorch_tanh",
            ["tie_word_embeddings"] = true,
        };
        File.WriteAllText(Path.Combine(dir, "config.json"), JsonSerializer.Serialize(config));
        var writer = new SafetensorsWriter();
        foreach (var (name, (rows, cols, data)) in Weights)
        {
            var values = name.EndsWith("norm.weight", StringComparison.Ordinal) ? data.Select(v => v - 1f).ToArray() : data;
            writer.AddTensor(Meridian.Models.Gemma.GemmaConfig.HfName(name)!, SafetensorsDType.F32, rows == 1 ? [cols] : [rows, cols],
                MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
        }
        writer.Write(Path.Combine(dir, "model.safetensors"));
    }

    /// <summary>
    /// Logits [T, V] of a plain scalar forward pass (Core's ReferenceOps, f32) over <see cref="Weights"/>,
    /// RoPE in <paramref name="layout"/>. With <paramref name="quantizeActivations"/>, each matmul's
    /// input rows are first rounded through int8 per 32-block (ActivationQuantReference) when the
    /// predicate says the backend does so for that weight (name, columns).
    /// </summary>
    public float[] ReferenceForward(int[] tokens, RopeLayout layout, Func<string, int, bool>? quantizeActivations = null)
    {
        if (IsGemma)
            return GemmaReferenceForward(tokens, quantizeActivations);
        if (Arch == "gpt-oss")
            return GptOssReferenceForward(tokens, quantizeActivations);
        // T = tokens, D = hidden, H = heads, Hkv = kv heads, Dh = head dim
        var s = Shape;
        var w = Arch == "phi3" ? SplitPhi3(Weights, s) : Weights;
        RouterGaps = [];
        int t = tokens.Length;
        // Phi-3: partial rotation, LongRoPE's long factors when the context (ContextLength, as llama.cpp is run) exceeds the original one.
        var factors = ShortFactors is null ? null : ContextLength > OriginalContext ? LongFactors : ShortFactors;
        var rope = new RopeSpec(s.Dh, RopeTheta, layout, factors, RotaryDim, AttnFactor);
        float[] Mm(string name, float[] x) => MatMul(w, name, x, quantizeActivations);
        float[] Norm(string name, float[] x) => RmsNorm(w, name, x);
        var x = new float[t * s.D];                                     // [T, D]
        for (int i = 0; i < t; i++)
            w["token_embd.weight"].Data.AsSpan(tokens[i] * s.D, s.D).CopyTo(x.AsSpan(i * s.D));
        int[] pos = Enumerable.Range(0, t).ToArray();
        for (int l = 0; l < s.L; l++)
        {
            string b = $"blk.{l}.";
            var h = Norm(b + "attn_norm.weight", x);
            float[] q = Mm(b + "attn_q.weight", h), k = Mm(b + "attn_k.weight", h), v = Mm(b + "attn_v.weight", h);
            if (Arch == "qwen2")
            {
                q = Add(q, w[b + "attn_q.bias"].Data);
                k = Add(k, w[b + "attn_k.bias"].Data);
                v = Add(v, w[b + "attn_v.bias"].Data);
            }
            if (Arch is "qwen3" or "qwen3moe" or "olmoe")
            {
                // per head (weights [Dh]) or, for OLMoE, over the whole of q and of k (weights as wide)
                q = Norm(b + "attn_q_norm.weight", q);
                k = Norm(b + "attn_k_norm.weight", k);
            }
            ReferenceOps.RopeReference(q, pos, rope);
            ReferenceOps.RopeReference(k, pos, rope);
            var att = new float[t * s.H * s.Dh];                        // [T, H·Dh]
            ReferenceOps.AttentionReference(q, k, v, 0, AttentionParams.Causal(s.H, s.Hkv, s.Dh) with { SlidingWindow = SlidingWindow }, att);
            x = Add(x, Mm(b + "attn_output.weight", att));
            h = Norm(b + "ffn_norm.weight", x);
            if (IsMoe)
            {
                x = Add(x, Experts(b, h));
                continue;
            }
            float[] g = Mm(b + "ffn_gate.weight", h), u = Mm(b + "ffn_up.weight", h);
            ReferenceOps.SwiGluReference(g, u, g);
            x = Add(x, Mm(b + "ffn_down.weight", g));
        }
        return Mm("output.weight", Norm("output_norm.weight", x));

        // Mixture of experts, written out from the Mixtral paper and transformers' MixtralSparseMoeBlock / OlmoeSparseMoeBlock:
        // router scores, softmax, the k most probable experts (their probabilities renormalised, except OLMoE's), and the
        // weighted sum of those experts' SwiGLU feed-forwards, token by token.
        float[] Experts(string b, float[] h)
        {
            var (experts, used) = MoeShape(Arch);
            var scores = Mm(b + "ffn_gate_inp.weight", h); // [T, E]
            if (RouterGaps.Length != t)
                RouterGaps = Enumerable.Repeat(float.PositiveInfinity, t).ToArray();
            for (int r = 0; r < t; r++)
            {
                var sorted = scores.AsSpan(r * experts, experts).ToArray().OrderDescending().ToArray();
                RouterGaps[r] = MathF.Min(RouterGaps[r], sorted[used - 1] - sorted[used]);
            }
            var ids = new int[t * used];
            var weights = new float[t * used];
            ReferenceOps.MoeRouteReference(scores, experts, used, renormalize: Arch != "olmoe", ids, weights);
            var y = new float[t * s.D];
            for (int r = 0; r < t; r++)
            {
                var row = h.AsSpan(r * s.D, s.D).ToArray();
                for (int j = 0; j < used; j++)
                {
                    int e = ids[r * used + j];
                    float[] g = MmRow(b + $"ffn_gate_exps.{e}.weight", row), u = MmRow(b + $"ffn_up_exps.{e}.weight", row);
                    ReferenceOps.SwiGluReference(g, u, g);
                    var down = MmRow(b + $"ffn_down_exps.{e}.weight", g);
                    for (int i = 0; i < s.D; i++)
                        y[r * s.D + i] += weights[r * used + j] * down[i];
                }
            }
            return y;
        }

        float[] MmRow(string name, float[] x) => MatMul(w, name, x, quantizeActivations);
    }

    /// <summary>
    /// GPT-OSS written out from its model card and transformers' GptOssDecoderLayer (not from Meridian's model): norm →
    /// q, k, v with biases → rotate-half RoPE (YaRN's divisors and attention factor, as ggml's rope_yarn) → attention
    /// with a window on even layers and per-head sinks in the softmax's denominator → output with bias → residual;
    /// norm → router with bias → the top k by score, weighted by a softmax over them → each expert's gate and up with
    /// biases, g = min(gate, 7), u = clamp(up, −7, 7), g·σ(1.702 g)·(u + 1), down with bias → residual.
    /// </summary>
    private float[] GptOssReferenceForward(int[] tokens, Func<string, int, bool>? quantizeActivations)
    {
        var s = Shape;
        var w = Weights;
        int t = tokens.Length;
        var (experts, used) = MoeShape(Arch);
        float[] Mm(string name, float[] x) => MatMul(w, name, x, quantizeActivations);
        float[] Norm(string name, float[] x) => RmsNorm(w, name, x);
        float[]? factors = null;
        float attnFactor = 1f;
        if (YarnFactor > 0)
            (factors, attnFactor) = Meridian.Models.GptOss.GptOssConfig.YarnFactors(s.Dh, RopeTheta, YarnFactor, OriginalContext, 32f, 1f);
        var rope = new RopeSpec(s.Dh, RopeTheta, RopeLayout.RotateHalf, factors, AttnFactor: attnFactor);
        var x = new float[t * s.D];
        for (int i = 0; i < t; i++)
            w["token_embd.weight"].Data.AsSpan(tokens[i] * s.D, s.D).CopyTo(x.AsSpan(i * s.D));
        int[] pos = Enumerable.Range(0, t).ToArray();
        RouterGaps = Enumerable.Repeat(float.PositiveInfinity, t).ToArray();
        for (int l = 0; l < s.L; l++)
        {
            string b = $"blk.{l}.";
            var h = Norm(b + "attn_norm.weight", x);
            float[] q = Add(Mm(b + "attn_q.weight", h), w[b + "attn_q.bias"].Data);
            float[] k = Add(Mm(b + "attn_k.weight", h), w[b + "attn_k.bias"].Data);
            float[] v = Add(Mm(b + "attn_v.weight", h), w[b + "attn_v.bias"].Data);
            ReferenceOps.RopeReference(q, pos, rope);
            ReferenceOps.RopeReference(k, pos, rope);
            var att = new float[t * s.H * s.Dh];
            var p = AttentionParams.Causal(s.H, s.Hkv, s.Dh) with { SlidingWindow = l % 2 == 0 ? SlidingWindow : 0 };
            ReferenceOps.AttentionReference(q, k, v, 0, p, att, w[b + "attn_sinks.weight"].Data);
            x = Add(x, Add(Mm(b + "attn_output.weight", att), w[b + "attn_output.bias"].Data));

            h = Norm(b + "post_attention_norm.weight", x);
            var scores = Add(Mm(b + "ffn_gate_inp.weight", h), w[b + "ffn_gate_inp.bias"].Data); // [T, E]
            var ids = new int[t * used];
            var weights = new float[t * used];
            ReferenceOps.MoeRouteReference(scores, experts, used, renormalize: true, ids, weights);
            var y = new float[t * s.D];
            for (int r = 0; r < t; r++)
            {
                var sorted = scores.AsSpan(r * experts, experts).ToArray().OrderDescending().ToArray();
                RouterGaps[r] = MathF.Min(RouterGaps[r], sorted[used - 1] - sorted[used]);
                var row = h.AsSpan(r * s.D, s.D).ToArray();
                for (int j = 0; j < used; j++)
                {
                    int e = ids[r * used + j];
                    float[] g = Mm(b + $"ffn_gate_exps.{e}.weight", row), u = Mm(b + $"ffn_up_exps.{e}.weight", row);
                    for (int i = 0; i < s.F; i++)
                    {
                        g[i] += w[b + "ffn_gate_exps.bias"].Data[e * s.F + i];
                        u[i] += w[b + "ffn_up_exps.bias"].Data[e * s.F + i];
                    }
                    ReferenceOps.SwiGluOaiReference(g, u, g);
                    var down = Mm(b + $"ffn_down_exps.{e}.weight", g);
                    for (int i = 0; i < s.D; i++)
                        y[r * s.D + i] += weights[r * used + j] * (down[i] + w[b + "ffn_down_exps.bias"].Data[e * s.D + i]);
                }
            }
            x = Add(x, y);
        }
        return Mm("output.weight", Norm("output_norm.weight", x));
    }

    // Phi-3's fused matrices cut into the Llama names: attn_qkv rows → Q, K, V; ffn_up rows → gate (first half), up.
    private static Dictionary<string, (int Rows, int Cols, float[] Data)> SplitPhi3(Dictionary<string, (int Rows, int Cols, float[] Data)> weights, SyntheticShape s)
    {
        var w = new Dictionary<string, (int Rows, int Cols, float[] Data)>(weights);
        int q = s.H * s.Dh, kv = s.Hkv * s.Dh;
        (int, int, float[]) Rows((int Rows, int Cols, float[] Data) m, int first, int count) => (count, m.Cols, m.Data.AsSpan(first * m.Cols, count * m.Cols).ToArray());
        for (int l = 0; l < s.L; l++)
        {
            string b = $"blk.{l}.";
            var qkv = weights[b + "attn_qkv.weight"];
            w[b + "attn_q.weight"] = Rows(qkv, 0, q);
            w[b + "attn_k.weight"] = Rows(qkv, q, kv);
            w[b + "attn_v.weight"] = Rows(qkv, q + kv, kv);
            var up = weights[b + "ffn_up.weight"];
            w[b + "ffn_gate.weight"] = Rows(up, 0, s.F);
            w[b + "ffn_up.weight"] = Rows(up, s.F, s.F);
        }
        return w;
    }

    /// <summary>
    /// Gemma's forward pass written out from the papers and transformers' Gemma2/Gemma3 modeling (not from Meridian's
    /// model): embeddings · sqrt(D); per layer norm → q, k, v → (Gemma 3) per-head q/k norms → rotate-half RoPE with
    /// the local base on sliding layers and the global one (and its linear scaling) elsewhere → attention with scale
    /// 1/sqrt(Dh), window and soft-cap → output → post-attention norm → residual; norm → GeGLU → post-ffw norm →
    /// residual; final norm, the tied output product, final soft-cap. Norm weights are the GGUF's (1 + w).
    /// </summary>
    private float[] GemmaReferenceForward(int[] tokens, Func<string, int, bool>? quantizeActivations)
    {
        var s = Shape;
        var w = Weights;
        int t = tokens.Length;
        float[] Mm(string name, float[] x) => MatMul(w, name, x, quantizeActivations);
        float[] Norm(string name, float[] x) => RmsNorm(w, name, x);
        var x = new float[t * s.D];
        float embedScale = MathF.Sqrt(s.D);
        for (int i = 0; i < t; i++)
        {
            for (int j = 0; j < s.D; j++)
                x[i * s.D + j] = w["token_embd.weight"].Data[tokens[i] * s.D + j] * embedScale;
        }
        int[] pos = Enumerable.Range(0, t).ToArray();
        for (int l = 0; l < s.L; l++)
        {
            string b = $"blk.{l}.";
            bool slides = Slides(l);
            var rope = slides ? new RopeSpec(s.Dh, RopeTheta, RopeLayout.RotateHalf)
                : new RopeSpec(s.Dh, GlobalRopeTheta, RopeLayout.RotateHalf, RopeLinearFactor == 1f ? null : Enumerable.Repeat(RopeLinearFactor, s.Dh / 2).ToArray());
            var h = Norm(b + "attn_norm.weight", x);
            float[] q = Mm(b + "attn_q.weight", h), k = Mm(b + "attn_k.weight", h), v = Mm(b + "attn_v.weight", h);
            if (Arch == "gemma3")
            {
                q = Norm(b + "attn_q_norm.weight", q);
                k = Norm(b + "attn_k_norm.weight", k);
            }
            ReferenceOps.RopeReference(q, pos, rope);
            ReferenceOps.RopeReference(k, pos, rope);
            var att = new float[t * s.H * s.Dh];
            var p = new AttentionParams(s.H, s.Hkv, s.Dh, 1f / MathF.Sqrt(s.Dh), slides ? SlidingWindow : 0, AttnSoftcap);
            ReferenceOps.AttentionReference(q, k, v, 0, p, att);
            x = Add(x, Norm(b + "post_attention_norm.weight", Mm(b + "attn_output.weight", att)));
            h = Norm(b + "ffn_norm.weight", x);
            float[] g = Mm(b + "ffn_gate.weight", h), u = Mm(b + "ffn_up.weight", h);
            ReferenceOps.GeGluReference(g, u, g);
            x = Add(x, Norm(b + "post_ffw_norm.weight", Mm(b + "ffn_down.weight", g)));
        }
        var logits = Mm("token_embd.weight", Norm("output_norm.weight", x));
        if (FinalSoftcap > 0)
            ReferenceOps.SoftcapReference(logits, FinalSoftcap, logits);
        return logits;
    }

    // The reference forward passes' steps: x [R, cols] through matrix `name` (its input rounded through int8 first where
    // the backend does so), RMSNorm with weight `name`, and a sum (b may be one row, broadcast).
    private static float[] MatMul(Dictionary<string, (int Rows, int Cols, float[] Data)> w, string name, float[] x, Func<string, int, bool>? quantizeActivations)
    {
        var (rows, cols, data) = w[name];
        var y = new float[x.Length / cols * rows];
        if (quantizeActivations?.Invoke(name, cols) == true)
            x = RoundThroughInt8(x, cols);
        ReferenceOps.MatMulReference(DType.F32, MemoryMarshal.AsBytes(data.AsSpan()), rows, cols, x, y);
        return y;
    }

    private static float[] RmsNorm(Dictionary<string, (int Rows, int Cols, float[] Data)> w, string name, float[] x)
    {
        var y = new float[x.Length];
        ReferenceOps.RmsNormReference(x, w[name].Data, RmsEps, y);
        return y;
    }

    private static float[] Add(float[] a, float[] b)
    {
        var y = new float[a.Length];
        ReferenceOps.AddReference(a, b, y);
        return y;
    }

    // x: [R, cols] f32 → the values int8 codes per 32-block stand for (what an int8 kernel multiplies).
    private static float[] RoundThroughInt8(float[] x, int cols)
    {
        var y = new float[x.Length];
        var qs = new sbyte[cols];
        var d = new float[cols / 32];
        var sums = new int[cols / 32];
        for (int r = 0; r < x.Length / cols; r++)
        {
            ActivationQuantReference.Quantize(x.AsSpan(r * cols, cols), 32, 32, qs, d, sums);
            ActivationQuantReference.Dequantize(qs, d, 32, y.AsSpan(r * cols, cols));
        }
        return y;
    }

    /// <summary>"&lt;unk&gt;", "&lt;s&gt;", "&lt;/s&gt;", then "&lt;0x00&gt;".."&lt;0xFF&gt;" (byte b is token 3 + b).</summary>
    public static string[] SpmByteTokens() =>
        ["<unk>", "<s>", "</s>", .. Enumerable.Range(0, 256).Select(b => $"<0x{b:X2}>")];

    /// <summary>
    /// Valid blocks of a type we decode but cannot encode (Q2_K, Q3_K, IQ4_NL, IQ4_XS): random code
    /// and sub-scale bytes, then per block the f16 super-scale(s) set so that the block's values have
    /// RMS <paramref name="targetRms"/>. Both engines read these bytes, so no quantizer is involved.
    /// </summary>
    public static void RandomBlocks(DType type, Span<byte> dst, float targetRms, Random rng)
    {
        // Offsets of the f16 super-scales in each block, with their starting values (the layouts are
        // in src/Meridian.Core/Quant/*Reference.cs). Q2_K subtracts dmin·m with m ≥ 0 (mean 7.5)
        // from d·sc·q (mean 7.5·1.5): dmin = 1.5·d centres the values near zero.
        (int Offset, float Start)[] scales = type switch
        {
            DType.Q2_K => [(80, 1f), (82, 1.5f)],
            DType.Q3_K => [(108, 1f)],
            DType.IQ4_NL or DType.IQ4_XS => [(0, 1f)],
            _ => throw new ArgumentException($"no random-block recipe for {type.Name()}", nameof(type)),
        };
        var info = type.Info();
        var values = new float[info.BlockSize];
        rng.NextBytes(dst);
        for (int b = 0; b < dst.Length / info.TypeSize; b++)
        {
            var block = dst.Slice(b * info.TypeSize, info.TypeSize);
            foreach (var (offset, start) in scales)
                WriteHalf(block, offset, start);
            QuantCodecs.DequantizeReference(type, block, values);
            float rms = RmsOf(values);
            float factor = rms > 0 ? targetRms / rms : 0f;
            foreach (var (offset, start) in scales)
                WriteHalf(block, offset, start * factor);
        }
    }

    private static void WriteHalf(Span<byte> block, int offset, float value) =>
        BinaryPrimitives.WriteUInt16LittleEndian(block[offset..], BitConverter.HalfToUInt16Bits((Half)value));

    private static float RmsOf(ReadOnlySpan<float> values)
    {
        double sum = 0;
        foreach (float v in values)
            sum += (double)v * v;
        return (float)Math.Sqrt(sum / Math.Max(1, values.Length));
    }
}
