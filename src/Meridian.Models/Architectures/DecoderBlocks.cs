// The blocks every decoder architecture is built from, so a forward pass reads as llama2.c's forward() and no
// architecture copies another's plumbing: the step's inputs written once, attention over the paged KV cache,
// the gated feed-forward (SwiGLU or GeGLU), per-head norms, and the logits of the rows asked for.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Meridian.Core.Backends;

namespace Meridian.Models.Architectures;

/// <summary>The step's integers on the device: token ids, positions, KV slots, and the sequences with their block tables.</summary>
internal readonly record struct StepInputs(DeviceTensor Tokens, DeviceTensor Positions, DeviceTensor Slots, PagedAttentionBatch Batch);

/// <summary>The activation of a gated feed-forward: silu (SwiGLU) or tanh-form gelu (GeGLU).</summary>
internal enum GluKind
{
    SwiGlu,
    GeGlu,
}

internal static class DecoderBlocks
{
    /// <summary>The state as a <see cref="DecoderBatchState"/>, or an error naming what was passed.</summary>
    public static DecoderBatchState StateOf(BatchState state) =>
        state as DecoderBatchState ?? throw new ArgumentException($"ForwardBatch needs a DecoderBatchState from this model, not {state.GetType().Name}", nameof(state));

    /// <summary>
    /// Writes the step's integers to the device once: token ids, positions, KV slots, logit rows, and the sequences
    /// with their block tables (every layer's attention reads the same two tensors).
    /// </summary>
    public static StepInputs WriteInputs(DecoderBatchState s, BatchInput input)
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
        return new StepInputs(tokens, positions, slots, new PagedAttentionBatch(sequences, blockTables, s.BlockSize, maxContext));
    }

    /// <summary>
    /// The step's input against the state, before any op writes: sizes, block ids and slots inside the cache, logit
    /// rows inside the step. Messages are built only on failure.
    /// </summary>
    public static void CheckBatch(DecoderBatchState s, BatchInput input, int vocab, Span<float> logits)
    {
        int t = input.TokenCount;
        if (input.BlockSize != s.BlockSize)
            throw new ArgumentException($"the batch was built for blocks of {input.BlockSize} positions, the KV cache has blocks of {s.BlockSize}", nameof(input));
        if (t > s.MaxTokens)
            throw new ArgumentException($"the step has {t} tokens, the batch state was made for at most {s.MaxTokens}", nameof(input));
        if (logits.Length != (long)input.LogitCount * vocab)
            throw new ArgumentException($"logits must hold {input.LogitCount}×{vocab} values (LogitCount × vocab), not {logits.Length}", nameof(logits));
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

    /// <summary>
    /// Attention of one layer over the paged cache: this step's keys and values <paramref name="k"/>, <paramref name="v"/>
    /// [T, Hkv·Dh] go to their slots, then every query row of <paramref name="q"/> [T, H·Dh] attends over its
    /// sequence's positions into <paramref name="att"/> [T, H·Dh].
    /// </summary>
    public static void CachedAttention(IComputeStream op, DecoderBatchState s, int layer, in StepInputs inputs,
        DeviceTensor q, DeviceTensor k, DeviceTensor v, in AttentionParams p, DeviceTensor att)
    {
        op.ScatterRows(k, inputs.Slots, s.KeyCache[layer]);
        op.ScatterRows(v, inputs.Slots, s.ValueCache[layer]);
        op.PagedAttention(q, s.KeyCache[layer], s.ValueCache[layer], inputs.Batch, p, att);
    }

    /// <summary>RMSNorm of each head of <paramref name="x"/> [T, heads·Dh] in place with one [1, Dh] weight (Qwen3's and Gemma 3's q/k norms).</summary>
    public static void HeadNorm(IComputeStream op, DeviceTensor x, DeviceTensor weight, int heads, float eps)
    {
        var rows = x.Reshape(x.Rows * heads, x.Cols / heads);
        op.RmsNorm(rows, weight, eps, rows);
    }

    /// <summary>
    /// out = W_down · (act(W_gate · xn) ⊙ (W_up · xn)) for the rows of <paramref name="xn"/> [T, D], through the
    /// workspace's gate and up buffers; <paramref name="output"/> [T, D] may be <paramref name="xn"/>.
    /// </summary>
    public static void GatedFeedForward(IComputeStream op, DecoderWorkspace ws, DeviceTensor xn, DeviceTensor wGate, DeviceTensor wUp,
        DeviceTensor wDown, GluKind kind, DeviceTensor output)
    {
        int t = xn.Rows;
        var gate = ws.Gate.SliceRows(0, t).Reshape(t, wGate.Rows); // [T, F]
        var up = ws.Up.SliceRows(0, t).Reshape(t, wUp.Rows);       // [T, F]
        MatMulShared(op, xn, wGate, gate, wUp, up);
        if (kind == GluKind.GeGlu)
            op.GeGlu(gate, up, gate);
        else
            op.SwiGlu(gate, up, gate);
        op.MatMul(wDown, gate, output);
    }

    /// <summary>
    /// The mixture-of-experts feed-forward of the rows of <paramref name="xn"/> [T, D] into <paramref name="output"/>
    /// [T, D]: router scores (one product), softmax and top-k routing, then the chosen experts' weighted sum.
    /// </summary>
    public static void ExpertFeedForward(IComputeStream op, DecoderWorkspace ws, DeviceTensor xn, DeviceTensor router, ExpertSet experts, int k,
        bool renormalize, DeviceTensor output)
    {
        int t = xn.Rows;
        var scores = ws.RouterLogits.SliceRows(0, t); // [T, E]
        var ids = ws.ExpertIds.SliceRows(0, t);       // [T, k] i32
        var weights = ws.ExpertWeights.SliceRows(0, t); // [T, k]
        op.MatMul(router, xn, scores);
        op.MoeRoute(scores, k, renormalize, ids, weights);
        op.MoeFeedForward(xn, experts, ids, weights, output);
    }

    /// <summary>
    /// Logits [n, V] of the step's logit rows: those rows of the residual <paramref name="x"/> gathered into the
    /// first n rows of the workspace, normed, one output product, downloaded into <paramref name="logits"/>;
    /// <paramref name="softcap"/> &gt; 0 caps them (Gemma 2). Submits the step.
    /// </summary>
    public static void Logits(IComputeStream op, DecoderBatchState s, DeviceTensor x, DeviceTensor outputNorm, float eps, DeviceTensor output,
        int n, Span<float> logits, float softcap = 0)
    {
        var ws = s.Work;
        if (n == 0)
        {
            op.SubmitStep();
            return; // only middle chunks of long prompts: the KV cache is all that mattered
        }
        var gathered = ws.Xn.SliceRows(0, n);  // [n, D]
        var result = ws.Logits.SliceRows(0, n); // [n, V]
        op.GatherRows(x, s.LogitRows.SliceRows(0, n), gathered);
        op.RmsNorm(gathered, outputNorm, eps, gathered);
        op.MatMul(output, gathered, result);
        if (softcap > 0)
            op.Softcap(result, softcap, result);
        op.SubmitStep();
        op.Download(result, logits);
    }

    /// <summary>Two or three weights on one input as one backend call (one activation pass, one dispatch).</summary>
    public static void MatMulShared(IComputeStream op, DeviceTensor x, DeviceTensor w0, DeviceTensor y0, DeviceTensor w1, DeviceTensor y1,
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

    [InlineArray(3)]
    private struct Tensors3
    {
        private DeviceTensor _element;
    }
}
