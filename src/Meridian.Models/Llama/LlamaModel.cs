// The Llama-family forward pass (Llama 1/2/3, Mistral, Qwen2 q/k/v biases, Qwen3 q/k norm) over the
// backend contract. Reads as llama2.c run.c forward() and candle llama.rs Block::forward.
// Paper: https://arxiv.org/abs/2302.13971 ; reference: https://github.com/karpathy/llama2.c/blob/master/run.c
using Meridian.Core;
using Meridian.Core.Backends;

namespace Meridian.Models.Llama;

/// <summary>A loaded Llama-family model on one device.</summary>
public sealed class LlamaModel : ILanguageModel
{
    private readonly IDevice _device;
    private readonly IDisposable? _owner;
    private readonly RopeSpec _rope; // Config.Rope builds a new record per read; the forward pass reads this one
    private int[] _positions = [];

    /// <summary>A model over already-loaded weights; the weights and <paramref name="owner"/> (the open file) are disposed with it.</summary>
    public LlamaModel(LlamaConfig config, LlamaWeights weights, IDevice device, IDisposable? owner)
    {
        Config = config;
        Weights = weights;
        _device = device;
        _owner = owner;
        _rope = config.Rope;
    }

    public LlamaConfig Config { get; }

    public LlamaWeights Weights { get; }

    public int VocabSize => Config.VocabSize;

    public int ContextLength => Config.MaxPositionEmbeddings;

    public ModelState CreateState(int capacity, int maxBatch = 64) => new LlamaState(Config, _device, capacity, maxBatch);

    public long KvBytesPerToken => 2L * Config.NumHiddenLayers * Config.NumKeyValueHeads * Config.HeadDim * sizeof(float);

    public BatchState CreateBatchState(int numBlocks, int blockSize, int maxTokens) => new LlamaBatchState(Config, _device, numBlocks, blockSize, maxTokens);

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
        int t = input.TokenCount;
        CheckBatch(s, input, logits);
        if (t == 0)
            return;
        ReadOnlySpan<int> pos = input.Positions.AsSpan(0, t);
        ReadOnlySpan<int> slots = input.Slots.AsSpan(0, t);
        ReadOnlySpan<AttentionSequence> sequences = input.Sequences.AsSpan(0, input.SequenceCount);
        ReadOnlySpan<int> tables = input.BlockTables.AsSpan(0, input.BlockTableLength);
        var ws = s.Work;
        var x = ws.X.SliceRows(0, t);      // [T, D]
        var xn = ws.Xn.SliceRows(0, t);    // [T, D]
        var q = ws.Q.SliceRows(0, t);      // [T, H·Dh]
        var k = ws.K.SliceRows(0, t);      // [T, Hkv·Dh]
        var val = ws.V.SliceRows(0, t);    // [T, Hkv·Dh]
        var att = ws.Att.SliceRows(0, t);  // [T, H·Dh]

        op.EmbeddingLookup(w.TokenEmbedding, input.Tokens.AsSpan(0, t), x);
        for (int l = 0; l < c.NumHiddenLayers; l++)
        {
            var b = w.Layers[l];

            // Attention: x += Wo · paged_attention(q, cache ← k, cache ← v)
            op.RmsNorm(x, b.AttnNorm, c.RmsNormEps, xn);
            QueryKeyValue(op, b, xn, q, k, val, pos);
            op.ScatterRows(k, slots, s.KeyCache[l]);
            op.ScatterRows(val, slots, s.ValueCache[l]);
            op.PagedAttention(q, s.KeyCache[l], s.ValueCache[l], s.BlockSize, sequences, tables, c.NumAttentionHeads, c.NumKeyValueHeads, att);
            op.MatMul(b.Wo, att, xn);
            op.Add(x, xn, x);

            FeedForward(op, b, ws, t);
        }
        int n = input.LogitCount;
        if (n == 0)
            return; // only middle chunks of long prompts: the KV cache is all that mattered

        // Logits for the rows asked for only: each run of consecutive rows is normed straight into the next
        // rows of xn (the gather), then one output matmul over the n gathered rows.
        ReadOnlySpan<int> rows = input.LogitRows.AsSpan(0, n);
        for (int i = 0; i < n;)
        {
            int run = 1;
            while (i + run < n && rows[i + run] == rows[i] + run)
                run++;
            op.RmsNorm(x.SliceRows(rows[i], run), w.OutputNorm, c.RmsNormEps, ws.Xn.SliceRows(i, run));
            i += run;
        }
        var result = ws.Logits.SliceRows(0, n); // [n, V]
        op.MatMul(w.Output, ws.Xn.SliceRows(0, n), result);
        op.Download(result, logits);
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

    public void Forward(ModelState state, ReadOnlySpan<int> tokens, int startPos, Span<float> logits)
    {
        var s = (LlamaState)state;
        int v = Config.VocabSize;
        bool allRows = logits.Length == tokens.Length * v && tokens.Length > 1;
        if (!allRows && logits.Length != v)
            throw new ArgumentException($"logits must hold {v} (last token) or {tokens.Length}×{v} values, not {logits.Length}", nameof(logits));
        if (tokens.IsEmpty)
            throw new ArgumentException("no tokens to feed", nameof(tokens));
        if (startPos < 0 || startPos + tokens.Length > s.Capacity)
            throw new MeridianException($"positions {startPos}..{startPos + tokens.Length - 1} do not fit the KV cache of {s.Capacity} positions");
        for (int done = 0; done < tokens.Length; done += s.MaxBatch)
        {
            int n = Math.Min(s.MaxBatch, tokens.Length - done);
            bool last = done + n == tokens.Length;
            var rows = allRows ? logits.Slice(done * v, n * v) : last ? logits : default;
            ForwardChunk(s, tokens.Slice(done, n), startPos + done, rows, allRows);
        }
    }

    // T tokens at positions p0..p0+T-1. T = tokens, D = hidden, H = heads, Hkv = kv heads, Dh = head dim, F = ffn.
    private void ForwardChunk(LlamaState s, ReadOnlySpan<int> tokens, int p0, Span<float> logits, bool allRows)
    {
        var c = Config;
        var w = Weights;
        var op = s.Stream;
        int t = tokens.Length;
        ReadOnlySpan<int> pos = Positions(p0, t);
        var ws = s.Work;
        var x = ws.X.SliceRows(0, t);      // [T, D]
        var xn = ws.Xn.SliceRows(0, t);    // [T, D]
        var q = ws.Q.SliceRows(0, t);      // [T, H·Dh]
        var k = ws.K.SliceRows(0, t);      // [T, Hkv·Dh]
        var val = ws.V.SliceRows(0, t);    // [T, Hkv·Dh]
        var att = ws.Att.SliceRows(0, t);  // [T, H·Dh]

        op.EmbeddingLookup(w.TokenEmbedding, tokens, x);
        for (int l = 0; l < c.NumHiddenLayers; l++)
        {
            var b = w.Layers[l];

            // Attention: x += Wo · attention(q, cache ← k, cache ← v)
            op.RmsNorm(x, b.AttnNorm, c.RmsNormEps, xn);
            QueryKeyValue(op, b, xn, q, k, val, pos);
            op.Copy(k, s.Keys[l].SliceRows(p0, t));
            op.Copy(val, s.Values[l].SliceRows(p0, t));
            op.Attention(q, s.Keys[l], s.Values[l], p0, c.NumAttentionHeads, c.NumKeyValueHeads, att);
            op.MatMul(b.Wo, att, xn);
            op.Add(x, xn, x);

            FeedForward(op, b, ws, t);
        }
        if (logits.IsEmpty)
            return; // a middle chunk of a long prompt: only the KV cache matters

        // Logits: only the rows asked for (the last token when decoding or prefilling).
        var rows = allRows ? x : x.SliceRows(t - 1, 1);
        var normed = xn.SliceRows(0, rows.Rows);
        var result = ws.Logits.SliceRows(0, rows.Rows);
        op.RmsNorm(rows, w.OutputNorm, c.RmsNormEps, normed);
        op.MatMul(w.Output, normed, result);
        op.Download(result, logits);
    }

    // q, k, v [T, ·] of one layer from its normed input xn [T, D]: the projections (one shared-input
    // call), Qwen2's biases, Qwen3's per-head q/k norms, then RoPE at the tokens' positions.
    private void QueryKeyValue(IComputeStream op, LlamaLayerWeights b, DeviceTensor xn, DeviceTensor q, DeviceTensor k, DeviceTensor val,
        ReadOnlySpan<int> pos)
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
        op.Rope(q, pos, _rope);
        op.Rope(k, pos, _rope);
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

    private ReadOnlySpan<int> Positions(int start, int count)
    {
        if (_positions.Length < count)
            _positions = new int[Math.Max(count, 64)];
        for (int i = 0; i < count; i++)
            _positions[i] = start + i;
        return _positions.AsSpan(0, count);
    }

    public void Dispose()
    {
        Weights.Dispose();
        _owner?.Dispose();
    }
}
