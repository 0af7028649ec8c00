// The Llama-family forward pass (Llama 1/2/3, Mistral with its sliding window, Qwen2 q/k/v biases, Qwen3
// q/k norm) over the backend contract: one step over a batch of sequence chunks and the paged KV cache.
// Reads as llama2.c run.c forward() and candle llama.rs Block::forward.
// Paper: https://arxiv.org/abs/2302.13971 ; reference: https://github.com/karpathy/llama2.c/blob/master/run.c
using Meridian.Core.Backends;
using Meridian.Core.Tensors;
using Meridian.Models.Architectures;

namespace Meridian.Models.Llama;

/// <summary>A loaded Llama-family model on one device.</summary>
public sealed class LlamaModel : DecoderModel
{
    private readonly RopeSpec _rope; // Config.Rope builds a new record per read; the forward pass reads this one
    private readonly AttentionParams[] _attention; // per layer: the window differs where a pattern says so

    /// <summary>
    /// A model over already-loaded weights whose KV cache is <paramref name="kvType"/>; the weights and
    /// <paramref name="owner"/> (the open file) are disposed with it.
    /// </summary>
    public LlamaModel(LlamaConfig config, LlamaWeights weights, IDevice device, DType kvType, IDisposable? owner)
        : base(config, weights, device, kvType, owner)
    {
        Config = config;
        Weights = weights;
        _rope = config.Rope;
        var causal = AttentionParams.Causal(config.NumAttentionHeads, config.NumKeyValueHeads, config.HeadDim);
        _attention = Enumerable.Range(0, config.NumHiddenLayers).Select(l => causal with { SlidingWindow = config.WindowOf(l) }).ToArray();
    }

    public LlamaConfig Config { get; }

    public LlamaWeights Weights { get; }

    /// <summary>
    /// Every (op, dtype) the forward pass runs: a matmul per stored matrix type and the lookup on the embedding's
    /// type (each named by its first tensor), the KV ops on the cache type, and the f32 row ops.
    /// </summary>
    public static IReadOnlyList<OpRequirement> RequirementsOf(IReadOnlyList<PlannedWeight> plan, DType kvType, RopeSpec rope)
    {
        var list = ArchWeights.DecoderRequirements(plan, kvType, rope.IsExtended);
        ArchWeights.Need(list, BackendOp.SwiGlu, DType.F32, "feed-forward");
        return list;
    }

    // One engine step over every scheduled sequence chunk. T = tokens of the step (all sequences), D = hidden,
    // H = heads, Hkv = kv heads, Dh = head dim, F = ffn, V = vocab. Matmuls and row ops run over all T rows;
    // attention runs per sequence over the paged cache. Every op is row-local or per sequence and the CPU
    // kernels sum in an order that does not depend on T, so a sequence's logits are the same bits whatever
    // else is in the step and however its prompt was chunked.
    // x, xn: [T, D]; q, att: [T, H·Dh]; k, val: [T, Hkv·Dh].
    public override void ForwardBatch(BatchState state, BatchInput input, Span<float> logits)
    {
        if (BeginForward(state, input, logits, out var s) is not { } views)
            return;
        var (x, xn, q, k, val, att) = views;
        var c = Config;
        var w = Weights;
        var op = s.Stream;
        var ws = s.Work;
        int t = input.TokenCount;

        op.BeginStep();
        var inputs = DecoderBlocks.WriteInputs(s, input);
        op.EmbeddingLookup(w.TokenEmbedding, inputs.Tokens, x);
        for (int l = 0; l < c.NumHiddenLayers; l++)
        {
            var b = w.Layers[l];

            // Attention: x += Wo · paged_attention(q, cache ← k, cache ← v)
            op.RmsNorm(x, b.AttnNorm, c.RmsNormEps, xn);
            QueryKeyValue(op, b, xn, q, k, val, inputs.Positions);
            DecoderBlocks.CachedAttention(op, s, l, inputs, q, k, val, _attention[l], att);
            op.MatMul(b.Wo, att, xn);
            op.Add(x, xn, x);

            // Feed-forward: x += W_down · (silu(W_gate · norm(x)) * W_up · norm(x)), or the same by each token's chosen experts
            op.RmsNorm(x, b.FfnNorm, c.RmsNormEps, xn);
            if (b.Experts is { } experts)
            {
                var moe = ws.MoeOut.SliceRows(0, t);
                DecoderBlocks.ExpertFeedForward(op, ws, xn, b.Router!.Value, experts, c.ExpertsUsed, c.NormalizeTopK, moe);
                op.Add(x, moe, x);
            }
            else
            {
                DecoderBlocks.GatedFeedForward(op, ws, xn, b.WGate!.Value, b.WUp!.Value, b.WDown!.Value, GluKind.SwiGlu, xn);
                op.Add(x, xn, x);
            }
        }
        DecoderBlocks.Logits(op, s, x, w.OutputNorm, c.RmsNormEps, w.Output, input.LogitCount, logits);
    }

    // q, k, v [T, ·] of one layer from its normed input xn [T, D]: the projections (one shared-input
    // call), Qwen2's biases, Qwen3's per-head q/k norms, then RoPE at the tokens' positions.
    private void QueryKeyValue(IComputeStream op, LlamaLayerWeights b, DeviceTensor xn, DeviceTensor q, DeviceTensor k, DeviceTensor val,
        DeviceTensor positions)
    {
        var c = Config;
        DecoderBlocks.MatMulShared(op, xn, b.Wq, q, b.Wk, k, b.Wv, val);
        if (b.Bq is { } bq)
        {
            op.Add(q, bq, q);
            op.Add(k, b.Bk!.Value, k);
            op.Add(val, b.Bv!.Value, val);
        }
        if (b.QNorm is { } qNorm)
        {
            // Qwen3: one norm per head; OLMoE: one over all of q and all of k.
            DecoderBlocks.HeadNorm(op, q, qNorm, c.QkNormFullWidth ? 1 : c.NumAttentionHeads, c.RmsNormEps);
            DecoderBlocks.HeadNorm(op, k, b.KNorm!.Value, c.QkNormFullWidth ? 1 : c.NumKeyValueHeads, c.RmsNormEps);
        }
        op.Rope(q, positions, _rope);
        op.Rope(k, positions, _rope);
    }
}
