// The ops of the backend contract, at layer granularity. Activations are f32 [T, width] tensors
// (T = tokens); weights may be any dtype the device Supports. Ops run in order; Synchronize waits.
using Meridian.Core.Tensors;

namespace Meridian.Core.Backends;

/// <summary>
/// An in-order queue of ops on one device. A synchronous backend may run each op as it is called;
/// results are only guaranteed visible to the host after <see cref="Synchronize"/>.
/// </summary>
public interface IComputeStream : IDisposable
{
    /// <summary>The device this stream runs on.</summary>
    IDevice Device { get; }

    /// <summary>dst[t] = table[ids[t]] as f32. table: [V, D] any dtype; dst: [T, D] f32.</summary>
    void EmbeddingLookup(DeviceTensor table, ReadOnlySpan<int> ids, DeviceTensor dst);

    /// <summary>y = x · wᵀ. w: [N, K] stored dtype; x: [T, K] f32; y: [T, N] f32.</summary>
    void MatMul(DeviceTensor w, DeviceTensor x, DeviceTensor y);

    /// <summary>
    /// ys[i] = x · ws[i]ᵀ for every i: several weights applied to one input (Q, K and V; gate and up).
    /// Same shapes as <see cref="MatMul"/> per pair. A backend may prepare x once and run the products
    /// as one dispatch; the default runs them one by one.
    /// </summary>
    void MatMulShared(DeviceTensor x, ReadOnlySpan<DeviceTensor> ws, ReadOnlySpan<DeviceTensor> ys)
    {
        if (ws.Length != ys.Length)
            throw new ArgumentException("MatMulShared: one output per weight");
        for (int i = 0; i < ws.Length; i++)
            MatMul(ws[i], x, ys[i]);
    }

    /// <summary>
    /// dst[r] = x[r] / sqrt(mean(x[r]²) + eps) · weight. weight: [1, C] f32; x, dst: [R, C] f32
    /// (per-head norms pass x viewed as [T·H, Dh]). dst may be x.
    /// </summary>
    void RmsNorm(DeviceTensor x, DeviceTensor weight, float eps, DeviceTensor dst);

    /// <summary>Rotates each head of x in place. x: [T, H·Dh] f32; positions: [T].</summary>
    void Rope(DeviceTensor x, ReadOnlySpan<int> positions, RopeSpec spec);

    /// <summary>
    /// Causal grouped-query attention. q: [T, H·Dh] f32 for positions startPos..startPos+T-1;
    /// keys, values: [capacity, Hkv·Dh] f32 caches already holding positions 0..startPos+T-1;
    /// dst: [T, H·Dh] f32. Query head h reads kv head h / (H / Hkv). Scale 1/sqrt(Dh).
    /// </summary>
    void Attention(DeviceTensor q, DeviceTensor keys, DeviceTensor values, int startPos, int numHeads, int numKvHeads, DeviceTensor dst);

    /// <summary>
    /// Causal grouped-query attention for a batch of sequences over a paged KV cache (vLLM's
    /// paged_attention). q, dst: [T, H·Dh] f32, T = total query rows of the batch; keyCache, valueCache:
    /// [numBlocks · blockSize, Hkv·Dh] f32, one layer, already holding every position the sequences
    /// attend over; blockTables: the concatenated block tables the sequences index into. Each query row
    /// sees its own sequence's positions up to and including its own. Scale 1/sqrt(Dh); query head h
    /// reads kv head h / (H / Hkv). Results equal <see cref="Attention"/> run on each sequence alone.
    /// </summary>
    void PagedAttention(DeviceTensor q, DeviceTensor keyCache, DeviceTensor valueCache, int blockSize,
        ReadOnlySpan<AttentionSequence> sequences, ReadOnlySpan<int> blockTables, int numHeads, int numKvHeads, DeviceTensor dst);

    /// <summary>
    /// dst row rows[t] = src row t for every t (vLLM's reshape_and_cache: new keys and values into their
    /// cache slots). src: [T, C]; dst: [R, C], same dtype; rows: [T], each in [0, R), no repeats.
    /// </summary>
    void ScatterRows(DeviceTensor src, ReadOnlySpan<int> rows, DeviceTensor dst);

    /// <summary>dst = silu(gate) · up, element-wise. All [T, F] f32; dst may alias either input.</summary>
    void SwiGlu(DeviceTensor gate, DeviceTensor up, DeviceTensor dst);

    /// <summary>dst = a + b; b is [a.Rows, C] or [1, C] (broadcast over rows). dst may alias a.</summary>
    void Add(DeviceTensor a, DeviceTensor b, DeviceTensor dst);

    /// <summary>Softmax of each row of x, in place. x: [R, C] f32.</summary>
    void Softmax(DeviceTensor x);

    /// <summary>Copies src into dst (same byte length), e.g. new keys into a KV cache.</summary>
    void Copy(DeviceTensor src, DeviceTensor dst);

    /// <summary>Host -> device: writes <paramref name="src"/> into dst (f32, same element count).</summary>
    void Upload(ReadOnlySpan<float> src, DeviceTensor dst);

    /// <summary>Device -> host: waits for prior ops, then reads src (f32) into <paramref name="dst"/>.</summary>
    void Download(DeviceTensor src, Span<float> dst);

    /// <summary>Waits until every op queued so far has finished.</summary>
    void Synchronize();
}
