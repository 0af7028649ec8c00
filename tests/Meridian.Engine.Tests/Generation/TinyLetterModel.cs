// Test helper, no shared test data: a tiny random-weight Llama written with our GgufWriter whose
// vocabulary is one token per character (3 specials, "▁" = space, a-z, "."), so any generated text
// re-encodes to exactly as many tokens as were generated (no merges exist). Also linked into
// Meridian.Cli.Tests.
using System.Runtime.InteropServices;
using Meridian.Core.Tensors;
using Meridian.Formats.Gguf;

namespace Meridian.Engine.Tests.Generation;

internal static class TinyLetterModel
{
    // D = hidden, L = layers, H = heads, Hkv = kv heads, Dh = head dim, F = ffn, C = context
    private const int D = 32, L = 2, H = 4, Hkv = 2, Dh = D / H, F = 64, C = 256;

    public const int BosId = 1, EosId = 2;

    public static string[] Tokens() =>
        ["<unk>", "<s>", "</s>", "▁", .. Enumerable.Range('a', 26).Select(c => ((char)c).ToString()), "."];

    /// <summary>Writes the model (weights drawn from <paramref name="seed"/>) to <paramref name="path"/>.</summary>
    public static void Write(string path, int seed = 1234)
    {
        string[] tokens = Tokens();
        int v = tokens.Length;
        var rng = new Random(seed);
        var w = new GgufWriter()
            .Add("general.architecture", "llama")
            .Add("general.name", "meridian-tiny-letters")
            .Add("llama.context_length", (uint)C)
            .Add("llama.embedding_length", (uint)D)
            .Add("llama.block_count", (uint)L)
            .Add("llama.feed_forward_length", (uint)F)
            .Add("llama.rope.dimension_count", (uint)Dh)
            .Add("llama.attention.head_count", (uint)H)
            .Add("llama.attention.head_count_kv", (uint)Hkv)
            .Add("llama.attention.layer_norm_rms_epsilon", 1e-5f)
            .Add("llama.rope.freq_base", 10000f)
            .Add("general.file_type", 0u) // all F32
            .Add("tokenizer.ggml.model", "llama")
            .Add("tokenizer.ggml.tokens", tokens)
            .Add("tokenizer.ggml.scores", new float[v])
            // SentencePiece token types: 2 unknown, 3 control, 1 normal
            .Add("tokenizer.ggml.token_type", [2, 3, 3, .. Enumerable.Repeat(1, v - 3)])
            .Add("tokenizer.ggml.unknown_token_id", 0u)
            .Add("tokenizer.ggml.bos_token_id", (uint)BosId)
            .Add("tokenizer.ggml.eos_token_id", (uint)EosId)
            .Add("tokenizer.ggml.add_space_prefix", false);
        void Tensor(string name, long[] dims, float scale, float bias = 0f)
        {
            long n = dims.Aggregate(1L, (a, b) => a * b);
            var values = new float[n]; // f32, GGUF dims [in, out]
            for (long i = 0; i < n; i++)
                values[i] = bias + scale * (rng.NextSingle() * 2 - 1);
            w.AddTensor(name, DType.F32, dims, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
        }
        Tensor("token_embd.weight", [D, v], 1f);
        for (int l = 0; l < L; l++)
        {
            Tensor($"blk.{l}.attn_norm.weight", [D], 0.1f, bias: 1f);
            Tensor($"blk.{l}.attn_q.weight", [D, D], 0.3f);
            Tensor($"blk.{l}.attn_k.weight", [D, Hkv * Dh], 0.3f);
            Tensor($"blk.{l}.attn_v.weight", [D, Hkv * Dh], 0.3f);
            Tensor($"blk.{l}.attn_output.weight", [D, D], 0.3f);
            Tensor($"blk.{l}.ffn_norm.weight", [D], 0.1f, bias: 1f);
            Tensor($"blk.{l}.ffn_gate.weight", [D, F], 0.3f);
            Tensor($"blk.{l}.ffn_up.weight", [D, F], 0.3f);
            Tensor($"blk.{l}.ffn_down.weight", [F, D], 0.3f);
        }
        Tensor("output_norm.weight", [D], 0.1f, bias: 1f);
        Tensor("output.weight", [D, v], 0.3f);
        w.Write(path);
    }
}
