// The Gemma 2 / Gemma 3 forward pass over the backend contract, one step over a batch of sequence chunks and
// the paged KV cache, built from the shared decoder blocks. Reads as transformers' Gemma2DecoderLayer.forward
// and llama.cpp's gemma2/gemma3 graphs: sandwich norms around attention and the GeGLU feed-forward.
// Papers: Gemma 2 https://arxiv.org/abs/2408.00118 ; Gemma 3 https://arxiv.org/abs/2503.19786
using Meridian.Core.Backends;
using Meridian.Core.Tensors;
using Meridian.Models.Architectures;

namespace Meridian.Models.Gemma;

/// <summary>A loaded Gemma 2 or Gemma 3 text model on one device.</summary>
public sealed class GemmaModel : DecoderModel
{
    private readonly RopeSpec[] _rope;            // per layer: local or global base
    private readonly AttentionParams[] _attention; // per layer: window or none
    private readonly Layer[] _layers;
    private readonly DeviceTensor _embedding, _outputNorm, _output;

    /// <summary>A model over loaded weights with a <paramref name="kvType"/> KV cache; the weights and <paramref name="owner"/> are disposed with it.</summary>
    public GemmaModel(GemmaConfig config, ArchWeights weights, IDevice device, DType kvType, IDisposable? owner)
        : base(config, weights, device, kvType, owner)
    {
        Config = config;
        var c = config;
        _rope = Enumerable.Range(0, c.NumHiddenLayers).Select(c.RopeOf).ToArray();
        var attention = new AttentionParams(c.NumAttentionHeads, c.NumKeyValueHeads, c.HeadDim, c.QueryScale, Softcap: c.AttnSoftcap);
        _attention = Enumerable.Range(0, c.NumHiddenLayers).Select(l => attention with { SlidingWindow = c.WindowOf(l) }).ToArray();
        _layers = Enumerable.Range(0, c.NumHiddenLayers).Select(i => new Layer(weights, $"blk.{i}.")).ToArray();
        _embedding = weights["token_embd.weight"];
        _outputNorm = weights["output_norm.weight"];
        _output = weights.Opt("output.weight") ?? _embedding;
    }

    public GemmaConfig Config { get; }

    // One engine step. T = tokens of the step, D = hidden, H = heads, Hkv = kv heads, Dh = head dim, V = vocab.
    // x, xn: [T, D]; q, att: [T, H·Dh]; k, v: [T, Hkv·Dh].
    public override void ForwardBatch(BatchState state, BatchInput input, Span<float> logits)
    {
        if (BeginForward(state, input, logits, out var s) is not { } views)
            return;
        var (x, xn, q, k, v, att) = views;
        var c = Config;
        var op = s.Stream;
        var ws = s.Work;

        op.BeginStep();
        var inputs = DecoderBlocks.WriteInputs(s, input);
        op.EmbeddingLookup(_embedding, inputs.Tokens, x);
        op.Scale(x, c.EmbeddingScale, x);
        for (int l = 0; l < c.NumHiddenLayers; l++)
        {
            var b = _layers[l];

            // Attention: x += post_norm(Wo · attention(rope(norm(Wq · norm(x))), rope(norm(Wk · norm(x))), Wv · norm(x)))
            op.RmsNorm(x, b.AttnNorm, c.RmsNormEps, xn);
            DecoderBlocks.MatMulShared(op, xn, b.Wq, q, b.Wk, k, b.Wv, v);
            if (b.QNorm is { } qNorm)
            {
                DecoderBlocks.HeadNorm(op, q, qNorm, c.NumAttentionHeads, c.RmsNormEps);
                DecoderBlocks.HeadNorm(op, k, b.KNorm!.Value, c.NumKeyValueHeads, c.RmsNormEps);
            }
            op.Rope(q, inputs.Positions, _rope[l]);
            op.Rope(k, inputs.Positions, _rope[l]);
            DecoderBlocks.CachedAttention(op, s, l, inputs, q, k, v, _attention[l], att);
            op.MatMul(b.Wo, att, xn);
            op.RmsNorm(xn, b.PostAttnNorm, c.RmsNormEps, xn);
            op.Add(x, xn, x);

            // Feed-forward: x += post_norm(W_down · (gelu(W_gate · norm(x)) * W_up · norm(x)))
            op.RmsNorm(x, b.FfnNorm, c.RmsNormEps, xn);
            DecoderBlocks.GatedFeedForward(op, ws, xn, b.WGate, b.WUp, b.WDown, GluKind.GeGlu, xn);
            op.RmsNorm(xn, b.PostFfnNorm, c.RmsNormEps, xn);
            op.Add(x, xn, x);
        }
        DecoderBlocks.Logits(op, s, x, _outputNorm, c.RmsNormEps, _output, input.LogitCount, logits, c.FinalSoftcap);
    }

    // One block's weights by GGUF name.
    private sealed class Layer(ArchWeights w, string b)
    {
        public DeviceTensor AttnNorm { get; } = w[b + "attn_norm.weight"];           // [1, D]
        public DeviceTensor Wq { get; } = w[b + "attn_q.weight"];                    // [H·Dh, D]
        public DeviceTensor Wk { get; } = w[b + "attn_k.weight"];                    // [Hkv·Dh, D]
        public DeviceTensor Wv { get; } = w[b + "attn_v.weight"];                    // [Hkv·Dh, D]
        public DeviceTensor? QNorm { get; } = w.Opt(b + "attn_q_norm.weight");       // [1, Dh] (Gemma 3)
        public DeviceTensor? KNorm { get; } = w.Opt(b + "attn_k_norm.weight");       // [1, Dh] (Gemma 3)
        public DeviceTensor Wo { get; } = w[b + "attn_output.weight"];               // [D, H·Dh]
        public DeviceTensor PostAttnNorm { get; } = w[b + "post_attention_norm.weight"]; // [1, D]
        public DeviceTensor FfnNorm { get; } = w[b + "ffn_norm.weight"];             // [1, D]
        public DeviceTensor WGate { get; } = w[b + "ffn_gate.weight"];               // [F, D]
        public DeviceTensor WUp { get; } = w[b + "ffn_up.weight"];                   // [F, D]
        public DeviceTensor WDown { get; } = w[b + "ffn_down.weight"];               // [D, F]
        public DeviceTensor PostFfnNorm { get; } = w[b + "post_ffw_norm.weight"];    // [1, D]
    }
}
