// The ops of the backend contract, at layer granularity, grouped into steps. Activations are f32 [T, width]
// tensors (T = tokens); weights may be any dtype the device Supports; per-step integers (token ids,
// positions, KV slots, logit rows, sequences, block tables) are i32 device tensors the host writes once
// per step with Write. Ops take tensors only, so a device can record a whole step and submit it at once.
using Meridian.Core.Tensors;

namespace Meridian.Core.Backends;

/// <summary>
/// An in-order queue of ops on one device. Ops between <see cref="BeginStep"/> and <see cref="SubmitStep"/> form
/// one step, which an asynchronous device may record (one command buffer, one graph) and submit at once; a
/// synchronous one may run each op as it is called. <see cref="Read"/> waits for everything queued before it.
/// </summary>
public interface IComputeStream : IDisposable
{
    /// <summary>The device this stream runs on.</summary>
    IDevice Device { get; }

    /// <summary>Opens a step: the ops that follow, up to <see cref="SubmitStep"/>, may be recorded and submitted together.</summary>
    void BeginStep();

    /// <summary>Submits the ops of the open step; does not wait for them.</summary>
    void SubmitStep();

    /// <summary>Host -> device: <paramref name="source"/> (exactly dst.ByteLength bytes) into dst, ordered with the ops.</summary>
    void Write(ReadOnlySpan<byte> source, DeviceTensor dst);

    /// <summary>Device -> host: waits for every op queued so far (submitting an open step), then reads src.</summary>
    void Read(DeviceTensor src, Span<byte> destination);

    /// <summary>Waits until every op queued so far has finished.</summary>
    void Synchronize();

    /// <summary>dst[t] = table[ids[t]] as f32. table: [V, D] any dtype; ids: [T, 1] i32; dst: [T, D] f32.</summary>
    void EmbeddingLookup(DeviceTensor table, DeviceTensor ids, DeviceTensor dst);

    /// <summary>y = x · wᵀ. w: [N, K] stored dtype; x: [T, K] f32; y: [T, N] f32.</summary>
    void MatMul(DeviceTensor w, DeviceTensor x, DeviceTensor y);

    /// <summary>
    /// ys[i] = x · ws[i]ᵀ for every i (at most 4): several weights on one input (Q, K and V; gate and up).
    /// Same shapes as <see cref="MatMul"/> per pair. A backend may prepare x once and run one dispatch.
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

    /// <summary>Rotates each head of x in place. x: [T, H·Dh] f32; positions: [T, 1] i32.</summary>
    void Rope(DeviceTensor x, DeviceTensor positions, RopeSpec spec);

    /// <summary>
    /// dst row rows[t] = src row t for every t, converted to dst's dtype (vLLM's reshape_and_cache: new keys and
    /// values into their cache slots). src: [T, C] f32; rows: [T, 1] i32, each in [0, R), no repeats;
    /// dst: [R, C] f32 or f16 (round to nearest even).
    /// </summary>
    void ScatterRows(DeviceTensor src, DeviceTensor rows, DeviceTensor dst);

    /// <summary>dst row i = src row rows[i]. src: [R, C] f32; rows: [N, 1] i32 in [0, R); dst: [N, C] f32.</summary>
    void GatherRows(DeviceTensor src, DeviceTensor rows, DeviceTensor dst);

    /// <summary>
    /// Attention for a batch of sequences over a paged KV cache (vLLM's paged_attention), with the masking and
    /// scoring of <paramref name="p"/>. q, dst: [T, H·Dh] f32, T = the query rows of every sequence; keyCache,
    /// valueCache: [numBlocks·BlockSize, Hkv·Dh] f32 or f16, one layer, already holding every position the
    /// sequences attend over. Each query row sees only its own sequence's positions.
    /// </summary>
    void PagedAttention(DeviceTensor q, DeviceTensor keyCache, DeviceTensor valueCache, in PagedAttentionBatch batch,
        in AttentionParams p, DeviceTensor dst);

    /// <summary>dst = silu(gate) · up, element-wise. All [T, F] f32; dst may alias either input.</summary>
    void SwiGlu(DeviceTensor gate, DeviceTensor up, DeviceTensor dst);

    /// <summary>
    /// dst = gelu(gate) · up, element-wise, with GELU's tanh form (Gemma's gelu_pytorch_tanh):
    /// gelu(x) = x/2 · (1 + tanh(sqrt(2/π) · (x + 0.044715 x³))). All [T, F] f32; dst may alias either input. Contract 1.1.
    /// </summary>
    void GeGlu(DeviceTensor gate, DeviceTensor up, DeviceTensor dst);

    /// <summary>dst = x · scale, element-wise (Gemma's embedding scale). x, dst: [R, C] f32; dst may be x. Contract 1.1.</summary>
    void Scale(DeviceTensor x, float scale, DeviceTensor dst);

    /// <summary>
    /// dst = cap · tanh(x / cap), element-wise (Gemma 2's final logit soft-capping); cap &gt; 0 and finite. x, dst: [R, C] f32;
    /// dst may be x. Contract 1.1.
    /// </summary>
    void Softcap(DeviceTensor x, float cap, DeviceTensor dst);

    /// <summary>
    /// Mixture-of-experts routing: each row of <paramref name="logits"/> [T, E] (the router's scores) gets a softmax,
    /// then its <paramref name="k"/> most probable experts (ties to the lower index) go to <paramref name="ids"/>
    /// [T, k] i32 in descending probability, their probabilities to <paramref name="weights"/> [T, k] f32, divided by
    /// their sum when <paramref name="renormalize"/> (which equals a softmax over the k chosen logits). Contract 1.1.
    /// </summary>
    void MoeRoute(DeviceTensor logits, int k, bool renormalize, DeviceTensor ids, DeviceTensor weights);

    /// <summary>
    /// The expert feed-forward: dst[t] = Σ_j weights[t, j] · Down_e(act(Gate_e · x[t]) ⊙ Up_e · x[t]) with e = ids[t, j],
    /// summed in j order. x, dst: [T, D] f32 (dst may not alias x); ids [T, k] i32 in [0, E); weights [T, k] f32.
    /// A device groups the step's rows by expert, so a prefill runs each chosen expert as one matrix product and a
    /// decode step reads only the chosen experts' weights. Contract 1.1.
    /// </summary>
    void MoeFeedForward(DeviceTensor x, ExpertSet experts, DeviceTensor ids, DeviceTensor weights, DeviceTensor dst);

    /// <summary>dst = a + b; b is [a.Rows, C] or [1, C] (broadcast over rows). dst may alias a.</summary>
    void Add(DeviceTensor a, DeviceTensor b, DeviceTensor dst);

    /// <summary>Softmax of each row of x, in place. x: [R, C] f32.</summary>
    void Softmax(DeviceTensor x);

    /// <summary>Copies src into dst: same dtype and byte length (copy-on-write of a KV block).</summary>
    void Copy(DeviceTensor src, DeviceTensor dst);

    /// <summary>dst[r] = the index of row r's largest value (the lowest on ties; NaN never wins). x: [R, C] f32; dst: [R, 1] i32.</summary>
    void ArgMax(DeviceTensor x, DeviceTensor dst);
}
