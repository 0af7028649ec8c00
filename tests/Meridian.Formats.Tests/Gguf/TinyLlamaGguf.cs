// Test helper: a tiny random-weight Llama written from scratch with GgufWriter (dim 32, 2 layers,
// 4 heads, 2 kv heads, ffn 64, vocab = 3 specials + 256 byte tokens), with the metadata llama.cpp needs.
using System.Runtime.InteropServices;
using Meridian.Core.Tensors;
using Meridian.Formats.Gguf;

namespace Meridian.Formats.Tests.Gguf;

internal sealed class TinyLlamaGguf
{
    // D = hidden, L = layers, H = heads, Hkv = kv heads, Dh = head dim, F = ffn, V = vocab, C = context
    public const int D = 32, L = 2, H = 4, Hkv = 2, Dh = D / H, F = 64, V = 3 + 256, C = 64;
    public const float RmsEps = 1e-5f;
    public const string Name = "meridian-tiny-random";

    /// <summary>Every tensor's values (f32), by name; GGUF dims are [in, out] (ne[0] first).</summary>
    public Dictionary<string, float[]> Weights { get; } = [];
    private readonly List<(string Name, long[] Dims)> _order = [];

    /// <param name="zeroResidualBranches">Zero attn_output and ffn_down, so every layer adds 0 to the
    /// residual stream and logits = output · rmsnorm(embedding) · output_norm, computable by hand.</param>
    public TinyLlamaGguf(int seed, bool zeroResidualBranches)
    {
        var rng = new Random(seed);
        Tensor(rng, "token_embd.weight", [D, V], 1f);
        for (int l = 0; l < L; l++)
        {
            Tensor(rng, $"blk.{l}.attn_norm.weight", [D], 1f, bias: 1f);
            Tensor(rng, $"blk.{l}.attn_q.weight", [D, D], 0.3f);
            Tensor(rng, $"blk.{l}.attn_k.weight", [D, Hkv * Dh], 0.3f);
            Tensor(rng, $"blk.{l}.attn_v.weight", [D, Hkv * Dh], 0.3f);
            Tensor(rng, $"blk.{l}.attn_output.weight", [D, D], zeroResidualBranches ? 0f : 0.3f);
            Tensor(rng, $"blk.{l}.ffn_norm.weight", [D], 1f, bias: 1f);
            Tensor(rng, $"blk.{l}.ffn_gate.weight", [D, F], 0.3f);
            Tensor(rng, $"blk.{l}.ffn_up.weight", [D, F], 0.3f);
            Tensor(rng, $"blk.{l}.ffn_down.weight", [F, D], zeroResidualBranches ? 0f : 0.3f);
        }
        Tensor(rng, "output_norm.weight", [D], 0.5f, bias: 1f);
        Tensor(rng, "output.weight", [D, V], 0.5f);
    }

    private void Tensor(Random rng, string name, long[] dims, float scale, float bias = 0f)
    {
        long n = dims.Aggregate(1L, (a, b) => a * b);
        Weights[name] = Enumerable.Range(0, (int)n).Select(_ => bias + scale * (rng.NextSingle() * 2 - 1)).ToArray();
        _order.Add((name, dims));
    }

    public static string[] Tokens() =>
        ["<unk>", "<s>", "</s>", .. Enumerable.Range(0, 256).Select(b => $"<0x{b:X2}>")];

    public void Write(string path)
    {
        var w = new GgufWriter()
            .Add("general.architecture", "llama")
            .Add("general.name", Name)
            .Add("llama.context_length", (uint)C)
            .Add("llama.embedding_length", (uint)D)
            .Add("llama.block_count", (uint)L)
            .Add("llama.feed_forward_length", (uint)F)
            .Add("llama.rope.dimension_count", (uint)Dh)
            .Add("llama.attention.head_count", (uint)H)
            .Add("llama.attention.head_count_kv", (uint)Hkv)
            .Add("llama.attention.layer_norm_rms_epsilon", RmsEps)
            .Add("llama.rope.freq_base", 10000f)
            .Add("general.file_type", 0u) // all F32
            .Add("tokenizer.ggml.model", "llama")
            .Add("tokenizer.ggml.tokens", Tokens())
            .Add("tokenizer.ggml.scores", new float[V])
            // SentencePiece token types: 2 unknown, 3 control, 6 byte
            .Add("tokenizer.ggml.token_type", [2, 3, 3, .. Enumerable.Repeat(6, 256)])
            .Add("tokenizer.ggml.unknown_token_id", 0u)
            .Add("tokenizer.ggml.bos_token_id", 1u)
            .Add("tokenizer.ggml.eos_token_id", 2u)
            .Add("tokenizer.ggml.add_space_prefix", false);
        foreach (var (name, dims) in _order)
            w.AddTensor(name, DType.F32, dims, MemoryMarshal.AsBytes(Weights[name].AsSpan()).ToArray());
        w.Write(path);
    }

    /// <summary>
    /// Logits at position 0 for <paramref name="token"/> when every residual branch is zero:
    /// h = embedding row, y = h / sqrt(mean(h^2) + eps) * output_norm, logits[v] = output row v · y.
    /// </summary>
    public double[] ResidualOnlyLogits(int token)
    {
        var embd = Weights["token_embd.weight"].AsSpan(token * D, D);   // [D] f32
        var norm = Weights["output_norm.weight"];                       // [D] f32
        var output = Weights["output.weight"];                          // [V][D] f32
        double ms = 0;
        foreach (float x in embd)
            ms += (double)x * x;
        double inv = 1 / Math.Sqrt(ms / D + RmsEps);
        var y = new double[D];
        for (int j = 0; j < D; j++)
            y[j] = embd[j] * inv * norm[j];
        var logits = new double[V];
        for (int v = 0; v < V; v++)
            for (int j = 0; j < D; j++)
                logits[v] += output[v * D + j] * y[j];
        return logits;
    }
}
