// Test fixture builder: a random-weight Llama-family model (llama, mistral, qwen2 biases, qwen3 q/k
// norm) or Gemma 2/3 model (sandwich norms, GeGLU, soft-caps, interleaved sliding layers) held as f32 values, written with our GGUF writer (matrices in any dtype Meridian decodes,
// optionally with a byte-token SPM vocab so llama.cpp can load it) or our safetensors writer. Its scalar
// reference forward passes, the independent side of the forward-pass tests, are in SyntheticModel.Reference.cs.
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;
using Meridian.Core.Quant;
using Meridian.Core.Tensors;
using Meridian.Formats.Gguf;
using Meridian.Formats.Safetensors;

namespace Meridian.Models.Tests;

/// <summary>Sizes of a synthetic model. D = hidden, F = ffn, V = vocab, H = heads, Hkv = kv heads, Dh = head dim, L = layers.</summary>
internal sealed record SyntheticShape(int D, int F, int V, int H, int Hkv, int Dh, int L);

internal sealed partial class SyntheticModel
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
        var config = HfConfig(Arch switch { "qwen3moe" => "qwen3_moe", _ => Arch }, RopeTheta, tied: false);
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
        var config = HfConfig("gpt_oss", RopeTheta, tied: false);
        config["rope_scaling"] = YarnFactor > 0 ? new Dictionary<string, object>
        {
            ["rope_type"] = "yarn", ["factor"] = (double)YarnFactor, ["original_max_position_embeddings"] = OriginalContext,
            ["beta_fast"] = 32.0, ["beta_slow"] = 1.0,
        } : null;
        config["sliding_window"] = SlidingWindow;
        config["layer_types"] = Enumerable.Range(0, s.L).Select(l => l % 2 == 0 ? "sliding_attention" : "full_attention").ToArray();
        config["num_local_experts"] = experts;
        config["num_experts_per_tok"] = used;
        config["swiglu_limit"] = 7.0;
        config["attention_bias"] = true;
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
        var config = HfConfig(Arch == "gemma2" ? "gemma2" : "gemma3_text", GlobalRopeTheta, tied: true);
        config["rope_local_base_freq"] = (double)RopeTheta;
        config["rope_scaling"] = RopeLinearFactor == 1f ? null : new Dictionary<string, object> { ["rope_type"] = "linear", ["factor"] = (double)RopeLinearFactor };
        config["query_pre_attn_scalar"] = s.Dh;
        config["sliding_window"] = SlidingWindow;
        config["layer_types"] = Enumerable.Range(0, s.L).Select(l => Slides(l) ? "sliding_attention" : "full_attention").ToArray();
        config["attn_logit_softcapping"] = AttnSoftcap > 0 ? (double)AttnSoftcap : null;
        config["final_logit_softcapping"] = FinalSoftcap > 0 ? (double)FinalSoftcap : null;
        config["hidden_activation"] = "gelu_pytorch_tanh";
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

    // config.json's keys every decoder has; rope_theta is Gemma's global layers' base.
    private Dictionary<string, object?> HfConfig(string modelType, float ropeTheta, bool tied) => new()
    {
        ["model_type"] = modelType,
        ["hidden_size"] = Shape.D,
        ["intermediate_size"] = Shape.F,
        ["num_hidden_layers"] = Shape.L,
        ["num_attention_heads"] = Shape.H,
        ["num_key_value_heads"] = Shape.Hkv,
        ["head_dim"] = Shape.Dh,
        ["vocab_size"] = Shape.V,
        ["max_position_embeddings"] = ContextLength,
        ["rms_norm_eps"] = (double)RmsEps,
        ["rope_theta"] = (double)ropeTheta,
        ["tie_word_embeddings"] = tied,
    };

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
