// The GPT-OSS forward pass over the backend contract, from the shared decoder blocks: llama.cpp's openai-moe graph
// and transformers' GptOssDecoderLayer. Per layer: norm → q, k, v (+ biases) → RoPE (YaRN) → attention over the
// paged cache with sinks (a window on even layers) → output (+ bias) → residual; norm → router (+ bias) → the 4 best
// experts (clamped SwiGLU, biases), weighted by a softmax over their scores → residual. Model card:
// https://openai.com/index/introducing-gpt-oss/ ; paper: https://arxiv.org/abs/2508.10925
using Meridian.Core.Backends;
using Meridian.Core.Tensors;
using Meridian.Models.Architectures;
using Meridian.Models.Weights;

namespace Meridian.Models.GptOss;

/// <summary>A loaded GPT-OSS model on one device.</summary>
public sealed class GptOssModel : DecoderModel
{
    private readonly RopeSpec _rope;
    private readonly AttentionParams[] _attention; // per layer: the window of even layers, the layer's sinks
    private readonly Layer[] _layers;
    private readonly DeviceTensor _embedding, _outputNorm, _output;

    /// <summary>A model over loaded weights with a <paramref name="kvType"/> KV cache; the weights and <paramref name="owner"/> are disposed with it.</summary>
    public GptOssModel(GptOssConfig config, ArchWeights weights, IDevice device, DType kvType, IDisposable? owner)
        : base(config, weights, device, kvType, owner)
    {
        Config = config;
        var c = config;
        _rope = c.Rope;
        _layers = Enumerable.Range(0, c.NumHiddenLayers).Select(i => new Layer(weights, $"blk.{i}.", c)).ToArray();
        var attention = AttentionParams.Causal(c.NumAttentionHeads, c.NumKeyValueHeads, c.HeadDim);
        _attention = Enumerable.Range(0, c.NumHiddenLayers).Select(l => attention with { SlidingWindow = c.WindowOf(l), Sinks = _layers[l].Sinks }).ToArray();
        _embedding = weights["token_embd.weight"];
        _outputNorm = weights["output_norm.weight"];
        _output = weights.Opt("output.weight") ?? _embedding;
    }

    public GptOssConfig Config { get; }

    // One engine step. T = tokens of the step, D = hidden, H = heads, Hkv = kv heads, Dh = head dim, V = vocab.
    // x, xn, moe: [T, D]; q, att: [T, H·Dh]; k, v: [T, Hkv·Dh].
    public override void ForwardBatch(BatchState state, BatchInput input, Span<float> logits)
    {
        if (BeginForward(state, input, logits, out var s) is not { } views)
            return;
        var (x, xn, q, k, v, att) = views;
        var c = Config;
        var op = s.Stream;
        var ws = s.Work;
        int t = input.TokenCount;
        var moe = ws.MoeOut.SliceRows(0, t);

        op.BeginStep();
        var inputs = DecoderBlocks.WriteInputs(s, input);
        op.EmbeddingLookup(_embedding, inputs.Tokens, x);
        for (int l = 0; l < c.NumHiddenLayers; l++)
        {
            var b = _layers[l];

            // Attention: x += Wo · attention_with_sinks(rope(Wq · norm(x) + bq), rope(Wk · norm(x) + bk), Wv · norm(x) + bv) + bo
            op.RmsNorm(x, b.AttnNorm, c.RmsNormEps, xn);
            DecoderBlocks.MatMulShared(op, xn, b.Wq, q, b.Wk, k, b.Wv, v);
            op.Add(q, b.Bq, q);
            op.Add(k, b.Bk, k);
            op.Add(v, b.Bv, v);
            op.Rope(q, inputs.Positions, _rope);
            op.Rope(k, inputs.Positions, _rope);
            DecoderBlocks.CachedAttention(op, s, l, inputs, q, k, v, _attention[l], att);
            op.MatMul(b.Wo, att, xn);
            op.Add(xn, b.Bo, xn);
            op.Add(x, xn, x);

            // Experts: x += Σ softmax(top-4 of Wr · norm(x) + br) · expert(norm(x))
            op.RmsNorm(x, b.FfnNorm, c.RmsNormEps, xn);
            var scores = ws.RouterLogits.SliceRows(0, t);
            op.MatMul(b.Router, xn, scores);
            op.Add(scores, b.RouterBias, scores);
            var ids = ws.ExpertIds.SliceRows(0, t);
            var weights = ws.ExpertWeights.SliceRows(0, t);
            op.MoeRoute(scores, c.ExpertsUsed, renormalize: true, ids, weights);
            op.MoeFeedForward(xn, b.Experts, ids, weights, moe);
            op.Add(x, moe, x);
        }
        DecoderBlocks.Logits(op, s, x, _outputNorm, c.RmsNormEps, _output, input.LogitCount, logits);
    }

    // One block's weights by GGUF name; biases [1, width] f32, the experts' [E, width].
    private sealed class Layer
    {
        public Layer(ArchWeights w, string b, GptOssConfig c)
        {
            AttnNorm = w[b + "attn_norm.weight"];
            Wq = w[b + "attn_q.weight"];
            Bq = w[b + "attn_q.bias"];
            Wk = w[b + "attn_k.weight"];
            Bk = w[b + "attn_k.bias"];
            Wv = w[b + "attn_v.weight"];
            Bv = w[b + "attn_v.bias"];
            Wo = w[b + "attn_output.weight"];
            Bo = w[b + "attn_output.bias"];
            Sinks = w[b + "attn_sinks.weight"];
            FfnNorm = w[b + "post_attention_norm.weight"];
            Router = w[b + "ffn_gate_inp.weight"];
            RouterBias = w[b + "ffn_gate_inp.bias"];
            DeviceTensor[] Kind(string name) => Enumerable.Range(0, c.ExpertCount).Select(e => w[b + WeightSource.ExpertName(name, e)]).ToArray();
            Experts = new ExpertSet(Kind("ffn_gate_exps.weight"), Kind("ffn_up_exps.weight"), Kind("ffn_down_exps.weight"), ExpertActivation.SwiGluOai)
            {
                GateBias = w[b + "ffn_gate_exps.bias"].Reshape(c.ExpertCount, c.ExpertIntermediateSize),
                UpBias = w[b + "ffn_up_exps.bias"].Reshape(c.ExpertCount, c.ExpertIntermediateSize),
                DownBias = w[b + "ffn_down_exps.bias"].Reshape(c.ExpertCount, c.HiddenSize),
            };
        }

        public DeviceTensor AttnNorm { get; }   // [1, D]
        public DeviceTensor Wq { get; }         // [H·Dh, D]
        public DeviceTensor Bq { get; }         // [1, H·Dh]
        public DeviceTensor Wk { get; }         // [Hkv·Dh, D]
        public DeviceTensor Bk { get; }         // [1, Hkv·Dh]
        public DeviceTensor Wv { get; }         // [Hkv·Dh, D]
        public DeviceTensor Bv { get; }         // [1, Hkv·Dh]
        public DeviceTensor Wo { get; }         // [D, H·Dh]
        public DeviceTensor Bo { get; }         // [1, D]
        public DeviceTensor Sinks { get; }      // [1, H]
        public DeviceTensor FfnNorm { get; }    // [1, D]
        public DeviceTensor Router { get; }     // [E, D]
        public DeviceTensor RouterBias { get; } // [1, E]
        public ExpertSet Experts { get; }
    }
}
