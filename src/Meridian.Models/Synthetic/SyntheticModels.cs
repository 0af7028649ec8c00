// Random-weight GGUF models in the shapes of real ones, for `bench`: weights ~N(0, 0.02), norms 1,
// a byte-token SPM vocab padded to the shape's vocab size so llama.cpp loads the same file.
// Type mixes follow llama.cpp's llama-quantize (src/llama-quant.cpp llama_tensor_get_type), simplified.
using Meridian.Core.Quant;
using Meridian.Core.Tensors;
using Meridian.Formats.Gguf;

using Meridian.Models.Conversion;

namespace Meridian.Models.Synthetic;

/// <summary>Writes synthetic models; the same shape, type and seed give the same bytes.</summary>
public static class SyntheticModels
{
    public const int ContextLength = 4096;

    /// <summary>Changes whenever the bytes written for a shape change, so cached files are rewritten (2: key_length, Gemma).</summary>
    public const int FormatVersion = 2;
    private const float WeightStd = 0.02f;
    private const float RmsEps = 1e-5f;

    /// <summary>The shapes `bench --synthetic` knows, by name.</summary>
    public static readonly IReadOnlyDictionary<string, SyntheticShapeSpec> Shapes = new Dictionary<string, SyntheticShapeSpec>(StringComparer.OrdinalIgnoreCase)
    {
        ["llama-15m"] = new("llama-15m", "llama", D: 288, F: 768, V: 32000, H: 6, Hkv: 6, L: 6, RopeTheta: 10000f),
        ["tinyllama-1.1b"] = new("tinyllama-1.1b", "llama", D: 2048, F: 5632, V: 32000, H: 32, Hkv: 4, L: 22, RopeTheta: 10000f),
        ["qwen2.5-0.5b"] = new("qwen2.5-0.5b", "qwen2", D: 896, F: 4864, V: 151936, H: 14, Hkv: 2, L: 24, RopeTheta: 1000000f),
        ["llama-3.2-1b"] = new("llama-3.2-1b", "llama", D: 2048, F: 8192, V: 128256, H: 32, Hkv: 8, L: 16, RopeTheta: 500000f),
        // microsoft/Phi-4-mini-instruct: 96 of each head's 128 dimensions turn (rope.dimension_count), fused QKV and gate-up.
        ["phi-4-mini"] = new("phi-4-mini", "phi3", D: 3072, F: 8192, V: 200064, H: 24, Hkv: 8, L: 32, RopeTheta: 10000f, RotaryDim: 96),
        // google/gemma-3-1b-it: head dim 256 over 4 heads (not D / H), one KV head, windows of 512 on five layers of six.
        // allenai/OLMoE-1B-7B-0924: 64 experts of width 1024 per layer, 8 per token (6.9B parameters, 1.3B active),
        // q/k norms over all heads.
        ["olmoe-1b-7b"] = new("olmoe-1b-7b", "olmoe", D: 2048, F: 1024, V: 50304, H: 16, Hkv: 16, L: 16, RopeTheta: 10000f, Experts: 64, ExpertsUsed: 8),
        ["gemma-3-1b"] = new("gemma-3-1b", "gemma3", D: 1152, F: 6912, V: 262144, H: 4, Hkv: 1, L: 26, RopeTheta: 1000000f, Dh: 256, Window: 512),
    };

    /// <summary>
    /// Type names `--type` accepts: any dtype our quantizers encode, plus "Q4_K_M" (Q4_K with Q6_K
    /// for output, and attn_v / ffn_down in about half the layers, as llama-quantize does).
    /// </summary>
    public static bool IsKnownType(string type) =>
        type.Equals("Q4_K_M", StringComparison.OrdinalIgnoreCase) || (DTypes.TryParse(type, out var t) && QuantCodecs.CanQuantize(t));

    /// <summary>
    /// Writes the model unless <paramref name="path"/> exists; returns the path. <paramref name="pure"/>
    /// stores every matrix as the one type (llama-quantize --pure); otherwise output.weight of a
    /// quantized model is Q6_K, as llama-quantize does.
    /// </summary>
    public static void Write(string path, SyntheticShapeSpec shape, string type, bool pure, int seed, Action<string>? progress = null)
    {
        var s = shape;
        string arch = s.Arch;
        int dh = s.HeadDim, q = s.H * dh, kv = s.Hkv * dh;
        var writer = new GgufWriter()
            .Add("general.architecture", arch)
            .Add("general.name", $"synthetic {s.Name} {type}")
            .Add($"{arch}.embedding_length", (uint)s.D)
            .Add($"{arch}.feed_forward_length", (uint)s.F)
            .Add($"{arch}.block_count", (uint)s.L)
            .Add($"{arch}.attention.head_count", (uint)s.H)
            .Add($"{arch}.attention.head_count_kv", (uint)s.Hkv)
            .Add($"{arch}.context_length", (uint)ContextLength)
            .Add($"{arch}.attention.layer_norm_rms_epsilon", RmsEps)
            .Add($"{arch}.rope.freq_base", s.RopeTheta)
            .Add($"{arch}.rope.dimension_count", (uint)(s.RotaryDim ?? dh))
            .Add($"{arch}.attention.key_length", (uint)dh)
            .Add($"{arch}.attention.value_length", (uint)dh)
            .Add("tokenizer.ggml.model", "llama")
            .Add("tokenizer.ggml.tokens", Tokens(s.V))
            .Add("tokenizer.ggml.scores", new float[s.V])
            // SentencePiece token types: 2 unknown, 3 control, 6 byte, 1 normal (the padding)
            .Add("tokenizer.ggml.token_type", [2, 3, 3, .. Enumerable.Repeat(6, 256), .. Enumerable.Repeat(1, s.V - 259)])
            .Add("tokenizer.ggml.unknown_token_id", 0u)
            .Add("tokenizer.ggml.bos_token_id", 1u)
            .Add("tokenizer.ggml.eos_token_id", 2u)
            .Add("tokenizer.ggml.add_space_prefix", false);

        int tensorIndex = 0;
        void Matrix(string name, int rows, int cols, DType t)
        {
            t = QuantRecipe.Fallback(t, cols);
            int index = tensorIndex++;
            writer.AddTensor(name, t, [cols, rows], t.ByteSize((long)rows * cols), stream =>
            {
                progress?.Invoke(name);
                WriteMatrix(stream, t, rows, cols, seed * 100_003 + index);
            });
        }
        // E experts' [rows, cols] matrices as one 3-D GGUF tensor (ggml ne = [cols, rows, E]), each written as Matrix would.
        void Experts(string name, int rows, int cols, DType t)
        {
            t = QuantRecipe.Fallback(t, cols);
            int index = tensorIndex;
            tensorIndex += s.Experts;
            long expertBytes = t.ByteSize((long)rows * cols);
            writer.AddTensor(name, t, [cols, rows, s.Experts], expertBytes * s.Experts, stream =>
            {
                progress?.Invoke(name);
                for (int e = 0; e < s.Experts; e++)
                    WriteMatrix(stream, t, rows, cols, seed * 100_003 + index + e);
            });
        }
        void Vector(string name, int width, float value)
        {
            var bytes = new byte[width * 4];
            var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes.AsSpan());
            values.Fill(value);
            writer.AddTensor(name, DType.F32, [width], bytes);
        }

        bool mix = type.Equals("Q4_K_M", StringComparison.OrdinalIgnoreCase);
        DType main = mix ? DType.Q4_K : Parse(type);
        bool quantized = main is not (DType.F32 or DType.F16 or DType.BF16);
        DType output = quantized && !pure ? DType.Q6_K : main;
        bool gemma = arch is "gemma2" or "gemma3", phi = arch == "phi3";
        bool tied = gemma || phi; // Gemma and Phi-4-mini tie their output to the embedding
        if (s.Window > 0)
            writer.Add($"{arch}.attention.sliding_window", (uint)s.Window);
        if (s.Experts > 0)
            writer.Add($"{arch}.expert_count", (uint)s.Experts).Add($"{arch}.expert_used_count", (uint)s.ExpertsUsed);

        // A tied embedding is typed as the output by llama-quantize.
        Matrix("token_embd.weight", s.V, s.D, tied ? output : main);
        Vector("output_norm.weight", s.D, 1f);
        if (!tied)
            Matrix("output.weight", s.V, s.D, output);
        for (int l = 0; l < s.L; l++)
        {
            string b = $"blk.{l}.";
            DType more = mix && !pure && QuantRecipe.MoreBits(l, s.L) ? DType.Q6_K : main;
            Vector(b + "attn_norm.weight", s.D, 1f);
            if (phi)
            {
                // llama-quantize gives the fused QKV of a Q4_K_M Q5_K.
                Matrix(b + "attn_qkv.weight", q + 2 * kv, s.D, mix && !pure ? DType.Q5_K : main);
            }
            else
            {
                Matrix(b + "attn_q.weight", q, s.D, main);
                Matrix(b + "attn_k.weight", kv, s.D, main);
                Matrix(b + "attn_v.weight", kv, s.D, more);
            }
            Matrix(b + "attn_output.weight", s.D, q, main);
            if (arch == "qwen2")
            {
                Vector(b + "attn_q.bias", q, 0f);
                Vector(b + "attn_k.bias", kv, 0f);
                Vector(b + "attn_v.bias", kv, 0f);
            }
            if (arch is "qwen3" or "gemma3")
            {
                // Per-head RMSNorm of queries and keys before RoPE.
                Vector(b + "attn_q_norm.weight", dh, 1f);
                Vector(b + "attn_k_norm.weight", dh, 1f);
            }
            if (arch == "olmoe")
            {
                // OLMoE's RMSNorm over all of q and all of k.
                Vector(b + "attn_q_norm.weight", q, 1f);
                Vector(b + "attn_k_norm.weight", kv, 1f);
            }
            if (gemma)
                Vector(b + "post_attention_norm.weight", s.D, 1f);
            Vector(b + "ffn_norm.weight", s.D, 1f);
            if (s.Experts > 0)
            {
                // llama-quantize leaves the router f32; ffn_down_exps follows ffn_down's rule.
                Matrix(b + "ffn_gate_inp.weight", s.Experts, s.D, DType.F32);
                Experts(b + "ffn_gate_exps.weight", s.F, s.D, main);
                Experts(b + "ffn_up_exps.weight", s.F, s.D, main);
                Experts(b + "ffn_down_exps.weight", s.D, s.F, more);
                continue;
            }
            if (phi)
            {
                Matrix(b + "ffn_up.weight", 2 * s.F, s.D, main); // gate rows, then up
            }
            else
            {
                Matrix(b + "ffn_gate.weight", s.F, s.D, main);
                Matrix(b + "ffn_up.weight", s.F, s.D, main);
            }
            Matrix(b + "ffn_down.weight", s.D, s.F, more);
            if (gemma)
                Vector(b + "post_ffw_norm.weight", s.D, 1f);
        }
        string temp = path + ".partial";
        writer.Write(temp);
        File.Move(temp, path, overwrite: true);
    }

    private static DType Parse(string type) =>
        DTypes.TryParse(type.ToUpperInvariant(), out var t) && QuantCodecs.CanQuantize(t) ? t
            : throw new ArgumentException($"unknown or unsupported --type '{type}'", nameof(type));

    // Rows in chunks of about 1M values: N(0, WeightStd) by Box-Muller, quantized, written.
    private static void WriteMatrix(Stream stream, DType type, int rows, int cols, int seed)
    {
        var rng = new Random(seed);
        int chunkRows = Math.Max(1, (1 << 20) / cols);
        var values = new float[chunkRows * cols];
        var bytes = new byte[type.ByteSize((long)chunkRows * cols)];
        for (int r = 0; r < rows; r += chunkRows)
        {
            int n = Math.Min(chunkRows, rows - r);
            var v = values.AsSpan(0, n * cols);
            for (int i = 0; i < v.Length; i += 2)
            {
                double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
                double radius = WeightStd * Math.Sqrt(-2.0 * Math.Log(u1));
                v[i] = (float)(radius * Math.Cos(2 * Math.PI * u2));
                if (i + 1 < v.Length)
                    v[i + 1] = (float)(radius * Math.Sin(2 * Math.PI * u2));
            }
            var dst = bytes.AsSpan(0, (int)type.ByteSize((long)n * cols));
            QuantCodecs.QuantizeReference(type, v, dst);
            stream.Write(dst);
        }
    }

    // "<unk>", "<s>", "</s>", "<0x00>".."<0xFF>" (byte b is token 3 + b), then "<pad_N>" up to V.
    private static string[] Tokens(int vocab) =>
        ["<unk>", "<s>", "</s>", .. Enumerable.Range(0, 256).Select(b => $"<0x{b:X2}>"), .. Enumerable.Range(259, vocab - 259).Select(i => $"<pad_{i}>")];
}
