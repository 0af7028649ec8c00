// The Llama-family forward pass (Llama 1/2/3, Mistral with its sliding window, Qwen2 q/k/v biases, Qwen3
// q/k norm) over the backend contract: one step over a batch of sequence chunks and the paged KV cache.
// Reads as llama2.c run.c forward() and candle llama.rs Block::forward.
// Paper: https://arxiv.org/abs/2302.13971 ; reference: https://github.com/karpathy/llama2.c/blob/master/run.c
using System.Runtime.InteropServices;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Models.Llama;

/// <summary>A loaded Llama-family model on one device.</summary>
public sealed class LlamaModel : ILanguageModel
{
    private readonly IDisposable? _owner;
    private readonly RopeSpec _rope; // Config.Rope builds a new record per read; the forward pass reads this one
    private readonly AttentionParams[] _attention; // per layer: the window differs where a pattern says so

    /// <summary>
    /// A model over already-loaded weights whose KV cache is <paramref name="kvType"/>; the weights and
    /// <paramref name="owner"/> (the open file) are disposed with it.
    /// </summary>
    public LlamaModel(LlamaConfig config, LlamaWeights weights, IDevice device, DType kvType, IDisposable? owner)
    {
        if (kvType is not (DType.F32 or DType.F16))
            throw new ArgumentException($"the KV cache type must be f32 or f16, not {kvType.Name()}", nameof(kvType));
        Config = config;
        Weights = weights;
        Device = device;
        KvType = kvType;
        _owner = owner;
        _rope = config.Rope;
        var causal = AttentionParams.Causal(config.NumAttentionHeads, config.NumKeyValueHeads, config.HeadDim);
        _attention = Enumerable.Range(0, config.NumHiddenLayers).Select(l => causal with { SlidingWindow = config.WindowOf(l) }).ToArray();
    }

    public LlamaConfig Config { get; }

    public LlamaWeights Weights { get; }

    public IDevice Device { get; }

    public DType KvType { get; }

    public int VocabSize => Config.VocabSize;

    public int ContextLength => Config.MaxPositionEmbeddings;

    public long KvBytesPerToken => KvBytesPerTokenOf(Config, KvType);

    /// <summary>Key and value bytes of one position over every layer.</summary>
    public static long KvBytesPerTokenOf(LlamaConfig c, DType kvType) => 2L * c.NumHiddenLayers * kvType.ByteSize(c.NumKeyValueHeads * c.HeadDim);

    public BatchState CreateBatchState(int numBlocks, int blockSize, int maxTokens) =>
        new LlamaBatchState(Config, KvType, Device, numBlocks, blockSize, maxTokens);

    /// <summary>
    /// Every (op, dtype) the forward pass runs: a matmul per stored matrix type and the lookup on the embedding's
    /// type (each named by its first tensor), the KV ops on the cache type, and the f32 row ops.
    /// </summary>
    public static IReadOnlyList<OpRequirement> RequirementsOf(IReadOnlyList<PlannedWeight> plan, DType kvType)
    {
        var list = new List<OpRequirement>();
        void Need(BackendOp op, DType type, string use)
        {
            if (!list.Any(r => r.Op == op && r.Type == type))
                list.Add(new OpRequirement(op, type, use));
        }
        bool tied = !plan.Any(p => p.Key == "output.weight");
        foreach (var (_, w, role) in plan)
        {
            if (role == LlamaWeights.Role.Table)
                Need(BackendOp.EmbeddingLookup, w.Type, w.Name);
            if (role == LlamaWeights.Role.Matrix || (role == LlamaWeights.Role.Table && tied))
                Need(BackendOp.MatMul, w.Type, w.Name);
        }
        Need(BackendOp.RmsNorm, DType.F32, "norms");
        Need(BackendOp.Rope, DType.F32, "rotary embedding");
        Need(BackendOp.ScatterRows, kvType, "KV cache");
        Need(BackendOp.PagedAttention, kvType, "KV cache");
        Need(BackendOp.Copy, kvType, "KV cache (copy-on-write of shared blocks)");
        Need(BackendOp.SwiGlu, DType.F32, "feed-forward");
        Need(BackendOp.Add, DType.F32, "residuals and biases");
        Need(BackendOp.GatherRows, DType.F32, "logit rows");
        return list;
    }

    // One engine step over every scheduled sequence chunk. T = tokens of the step (all sequences), D = hidden,
    // H = heads, Hkv = kv heads, Dh = head dim, F = ffn, V = vocab. Matmuls and row ops run over all T rows;
    // attention runs per sequence over the paged cache. Every op is row-local or per sequence and the CPU
    // kernels sum in an order that does not depend on T, so a sequence's logits are the same bits whatever
    // else is in the step and however its prompt was chunked.
    public void ForwardBatch(BatchState state, BatchInput input, Span<float> logits)
    {
        var s = state as LlamaBatchState ?? throw new ArgumentException($"ForwardBatch needs a LlamaBatchState from this model, not {state.GetType().Name}", nameof(state));
        var c = Config;
        var w = Weights;
        var op = s.Stream;
        int t = input.TokenCount, n = input.LogitCount;
        CheckBatch(s, input, logits);
        if (t == 0)
            return;
        var ws = s.Work;
        var x = ws.X.SliceRows(0, t);      // [T, D]
        var xn = ws.Xn.SliceRows(0, t);    // [T, D]
        var q = ws.Q.SliceRows(0, t);      // [T, H·Dh]
        var k = ws.K.SliceRows(0, t);      // [T, Hkv·Dh]
        var val = ws.V.SliceRows(0, t);    // [T, Hkv·Dh]
        var att = ws.Att.SliceRows(0, t);  // [T, H·Dh]

        op.BeginStep();
        var (tokens, positions, slots, batch) = WriteInputs(s, input);
        op.EmbeddingLookup(w.TokenEmbedding, tokens, x);
        for (int l = 0; l < c.NumHiddenLayers; l++)
        {
            var b = w.Layers[l];

            // Attention: x += Wo · paged_attention(q, cache ← k, cache ← v)
            op.RmsNorm(x, b.AttnNorm, c.RmsNormEps, xn);
            QueryKeyValue(op, b, xn, q, k, val, positions);
            op.ScatterRows(k, slots, s.KeyCache[l]);
            op.ScatterRows(val, slots, s.ValueCache[l]);
            op.PagedAttention(q, s.KeyCache[l], s.ValueCache[l], batch, _attention[l], att);
            op.MatMul(b.Wo, att, xn);
            op.Add(x, xn, x);

            FeedForward(op, b, ws, t);
        }
        if (n == 0)
        {
            op.SubmitStep();
            return; // only middle chunks of long prompts: the KV cache is all that mattered
        }

        // Logits for the rows asked for only: gathered into the first n rows of xn, normed, one output matmul.
        var gathered = ws.Xn.SliceRows(0, n);  // [n, D]
        var result = ws.Logits.SliceRows(0, n); // [n, V]
        op.GatherRows(x, s.LogitRows.SliceRows(0, n), gathered);
        op.RmsNorm(gathered, w.OutputNorm, c.RmsNormEps, gathered);
        op.MatMul(w.Output, gathered, result);
        op.SubmitStep();
        op.Download(result, logits);
    }

    // The step's integers, written to the device once: token ids, positions, KV slots, logit rows, and the
    // sequences with their block tables (every layer's attention reads the same two tensors).
    private static (DeviceTensor Tokens, DeviceTensor Positions, DeviceTensor Slots, PagedAttentionBatch Batch) WriteInputs(LlamaBatchState s, BatchInput input)
    {
        var op = s.Stream;
        int t = input.TokenCount, n = input.LogitCount, seqs = input.SequenceCount, tables = input.BlockTableLength;
        s.EnsureBlockTables(Math.Max(1, tables));
        var tokens = s.Tokens.SliceRows(0, t);
        var positions = s.Positions.SliceRows(0, t);
        var slots = s.Slots.SliceRows(0, t);
        op.Upload(input.Tokens.AsSpan(0, t), tokens);
        op.Upload(input.Positions.AsSpan(0, t), positions);
        op.Upload(input.Slots.AsSpan(0, t), slots);
        if (n > 0)
            op.Upload(input.LogitRows.AsSpan(0, n), s.LogitRows.SliceRows(0, n));
        var sequences = s.Sequences.SliceRows(0, seqs);
        op.Write(MemoryMarshal.AsBytes(input.Sequences.AsSpan(0, seqs)), sequences);
        var blockTables = s.BlockTables.SliceRows(0, Math.Max(1, tables));
        op.Upload(input.BlockTables.AsSpan(0, blockTables.Rows), blockTables);
        int maxContext = 0;
        foreach (var seq in input.Sequences.AsSpan(0, seqs))
            maxContext = Math.Max(maxContext, seq.ContextLength);
        return (tokens, positions, slots, new PagedAttentionBatch(sequences, blockTables, s.BlockSize, maxContext));
    }

    // The step's input against the state, before any op writes: sizes, block ids and slots inside the
    // cache, logit rows inside the step. Messages are built only on failure.
    private void CheckBatch(LlamaBatchState s, BatchInput input, Span<float> logits)
    {
        int t = input.TokenCount, v = Config.VocabSize;
        if (input.BlockSize != s.BlockSize)
            throw new ArgumentException($"the batch was built for blocks of {input.BlockSize} positions, the KV cache has blocks of {s.BlockSize}", nameof(input));
        if (t > s.MaxTokens)
            throw new ArgumentException($"the step has {t} tokens, the batch state was made for at most {s.MaxTokens}", nameof(input));
        if (logits.Length != (long)input.LogitCount * v)
            throw new ArgumentException($"logits must hold {input.LogitCount}×{v} values (LogitCount × vocab), not {logits.Length}", nameof(logits));
        for (int i = 0; i < input.SequenceCount; i++)
        {
            var seq = input.Sequences[i];
            int blocks = (seq.ContextLength + s.BlockSize - 1) / s.BlockSize;
            for (int j = 0; j < blocks; j++)
            {
                int id = input.BlockTables[seq.BlockTableOffset + j];
                if ((uint)id >= (uint)s.NumBlocks)
                    throw new ArgumentException($"sequence {i}, position {j * s.BlockSize}: block id {id} is outside the KV cache of {s.NumBlocks} blocks", nameof(input));
            }
        }
        for (int i = 0; i < input.LogitCount; i++)
        {
            if ((uint)input.LogitRows[i] >= (uint)t)
                throw new ArgumentException($"logit row {input.LogitRows[i]} is outside the step's {t} tokens", nameof(input));
        }
    }

    // q, k, v [T, ·] of one layer from its normed input xn [T, D]: the projections (one shared-input
    // call), Qwen2's biases, Qwen3's per-head q/k norms, then RoPE at the tokens' positions.
    private void QueryKeyValue(IComputeStream op, LlamaLayerWeights b, DeviceTensor xn, DeviceTensor q, DeviceTensor k, DeviceTensor val,
        DeviceTensor positions)
    {
        var c = Config;
        int t = xn.Rows;
        MatMul3(op, xn, b.Wq, q, b.Wk, k, b.Wv, val);
        if (b.Bq is { } bq)
        {
            op.Add(q, bq, q);
            op.Add(k, b.Bk!.Value, k);
            op.Add(val, b.Bv!.Value, val);
        }
        if (b.QNorm is { } qNorm)
        {
            op.RmsNorm(q.Reshape(t * c.NumAttentionHeads, c.HeadDim), qNorm, c.RmsNormEps, q.Reshape(t * c.NumAttentionHeads, c.HeadDim));
            op.RmsNorm(k.Reshape(t * c.NumKeyValueHeads, c.HeadDim), b.KNorm!.Value, c.RmsNormEps, k.Reshape(t * c.NumKeyValueHeads, c.HeadDim));
        }
        op.Rope(q, positions, _rope);
        op.Rope(k, positions, _rope);
    }

    // Feed-forward on the first t rows: x += W_down · (silu(W_gate · norm(x)) * W_up · norm(x)).
    private void FeedForward(IComputeStream op, LlamaLayerWeights b, LlamaWorkspace ws, int t)
    {
        var x = ws.X.SliceRows(0, t);        // [T, D]
        var xn = ws.Xn.SliceRows(0, t);      // [T, D]
        var gate = ws.Gate.SliceRows(0, t);  // [T, F]
        var up = ws.Up.SliceRows(0, t);      // [T, F]
        op.RmsNorm(x, b.FfnNorm, Config.RmsNormEps, xn);
        MatMul3(op, xn, b.WGate, gate, b.WUp, up);
        op.SwiGlu(gate, up, gate);
        op.MatMul(b.WDown, gate, xn);
        op.Add(x, xn, x);
    }

    // Two or three weights on one input as one backend call (one activation pass, one dispatch).
    private static void MatMul3(IComputeStream op, DeviceTensor x, DeviceTensor w0, DeviceTensor y0, DeviceTensor w1, DeviceTensor y1,
        DeviceTensor? w2 = null, DeviceTensor? y2 = null)
    {
        var ws = new Tensors3();
        var ys = new Tensors3();
        (ws[0], ys[0], ws[1], ys[1]) = (w0, y0, w1, y1);
        int n = 2;
        if (w2 is { } w && y2 is { } y)
        {
            (ws[2], ys[2]) = (w, y);
            n = 3;
        }
        op.MatMulShared(x, ((ReadOnlySpan<DeviceTensor>)ws)[..n], ((ReadOnlySpan<DeviceTensor>)ys)[..n]);
    }

    [System.Runtime.CompilerServices.InlineArray(3)]
    private struct Tensors3
    {
        private DeviceTensor _element;
    }

    public void Dispose()
    {
        Weights.Dispose();
        _owner?.Dispose();
    }
}
