// Read-only weights of a Llama-family model as device tensors (views into the memory map on the CPU).
// Every weight name is asked for here once, in GGUF spelling; the WeightSource maps other formats. Plan
// reads only the file's headers (names, dtypes, shapes), so the loader can check the device before any
// weight's bytes are touched; Load then puts each weight on the device.
using Meridian.Core.Backends;
using Meridian.Core.Tensors;
using Meridian.Models.Architectures;
using Meridian.Models.Weights;

namespace Meridian.Models.Llama;

/// <summary>One transformer block's weights. Matrices are [out, in] in their stored dtype; norms [1, width] f32.</summary>
public sealed record LlamaLayerWeights(
    DeviceTensor AttnNorm,     // [1, D]
    DeviceTensor Wq,           // [H·Dh, D]
    DeviceTensor Wk,           // [Hkv·Dh, D]
    DeviceTensor Wv,           // [Hkv·Dh, D]
    DeviceTensor Wo,           // [D, H·Dh]
    DeviceTensor? Bq,          // [1, H·Dh]   (Qwen2)
    DeviceTensor? Bk,          // [1, Hkv·Dh] (Qwen2)
    DeviceTensor? Bv,          // [1, Hkv·Dh] (Qwen2)
    DeviceTensor? QNorm,       // [1, Dh]     (Qwen3; OLMoE: [1, H·Dh])
    DeviceTensor? KNorm,       // [1, Dh]     (Qwen3; OLMoE: [1, Hkv·Dh])
    DeviceTensor FfnNorm,      // [1, D]
    DeviceTensor? WGate,       // [F, D]      (dense)
    DeviceTensor? WUp,         // [F, D]      (dense)
    DeviceTensor? WDown,       // [D, F]      (dense)
    DeviceTensor? Router = null,  // [E, D] (mixture of experts)
    ExpertSet? Experts = null);   // E × gate, up [F, D] and down [D, F] (mixture of experts)

/// <summary>All weights of a Llama-family model.</summary>
public sealed record LlamaWeights(
    DeviceTensor TokenEmbedding,  // [V, D]
    IReadOnlyList<LlamaLayerWeights> Layers,
    DeviceTensor OutputNorm,      // [1, D]
    DeviceTensor Output)          // [V, D]; the embedding itself when tied
    : IDisposable
{
    /// <summary>
    /// Frees every weight buffer the device owns (packed matrices, decoded norm vectors); views of the
    /// memory map free nothing. The model disposes its weights with itself.
    /// </summary>
    public void Dispose()
    {
        var buffers = new HashSet<IDeviceBuffer>(ReferenceEqualityComparer.Instance) { TokenEmbedding.Buffer, OutputNorm.Buffer, Output.Buffer };
        foreach (var l in Layers)
        {
            foreach (var t in new[] { l.AttnNorm, l.Wq, l.Wk, l.Wv, l.Wo, l.Bq, l.Bk, l.Bv, l.QNorm, l.KNorm, l.FfnNorm, l.WGate, l.WUp, l.WDown, l.Router })
            {
                if (t is { } tensor)
                    buffers.Add(tensor.Buffer);
            }
            foreach (var t in l.Experts is { } x ? x.Gate.Concat(x.Up).Concat(x.Down) : [])
                buffers.Add(t.Buffer);
        }
        foreach (var b in buffers)
            b.Dispose();
    }

    /// <summary>
    /// Every weight <paramref name="c"/> names, from the file's headers only (no weight bytes are read), checked
    /// for presence and shape: the loader's list for the device check and for <see cref="Load"/>.
    /// </summary>
    public static IReadOnlyList<PlannedWeight> Plan(WeightSource source, LlamaConfig c)
    {
        // D = hidden, F = ffn, V = vocab, H = heads, Hkv = kv heads, Dh = head dim
        int d = c.HiddenSize, f = c.IntermediateSize, v = c.VocabSize, q = c.NumAttentionHeads * c.HeadDim, kv = c.NumKeyValueHeads * c.HeadDim;
        var plan = new List<PlannedWeight>();
        void Add(string scope, string name, int rows, int cols, WeightRole role)
        {
            var s = scope.Length == 0 ? source : source.Pp(scope);
            plan.Add(new PlannedWeight(scope.Length == 0 ? name : $"{scope}.{name}", s.Get(name, rows, cols), role));
        }
        string top = "";
        Add(top, "token_embd.weight", v, d, WeightRole.Table);
        for (int i = 0; i < c.NumHiddenLayers; i++)
        {
            string b = $"blk.{i}";
            Add(b, "attn_norm.weight", 1, d, WeightRole.Vector);
            Add(b, "attn_q.weight", q, d, WeightRole.Matrix);
            Add(b, "attn_k.weight", kv, d, WeightRole.Matrix);
            Add(b, "attn_v.weight", kv, d, WeightRole.Matrix);
            Add(b, "attn_output.weight", d, q, WeightRole.Matrix);
            if (c.AttentionBias)
            {
                Add(b, "attn_q.bias", 1, q, WeightRole.Vector);
                Add(b, "attn_k.bias", 1, kv, WeightRole.Vector);
                Add(b, "attn_v.bias", 1, kv, WeightRole.Vector);
            }
            if (c.QkNorm)
            {
                Add(b, "attn_q_norm.weight", 1, c.HeadDim, WeightRole.Vector);
                Add(b, "attn_k_norm.weight", 1, c.HeadDim, WeightRole.Vector);
            }
            if (c.QkNormFullWidth)
            {
                Add(b, "attn_q_norm.weight", 1, q, WeightRole.Vector);
                Add(b, "attn_k_norm.weight", 1, kv, WeightRole.Vector);
            }
            Add(b, "ffn_norm.weight", 1, d, WeightRole.Vector);
            if (c.IsMoe)
            {
                // The router, then each expert's three matrices (GGUF: rows of one 3-D tensor per kind).
                int fe = c.ExpertIntermediateSize;
                Add(b, "ffn_gate_inp.weight", c.ExpertCount, d, WeightRole.Matrix);
                for (int e = 0; e < c.ExpertCount; e++)
                {
                    Add(b, WeightSource.ExpertName("ffn_gate_exps.weight", e), fe, d, WeightRole.Matrix);
                    Add(b, WeightSource.ExpertName("ffn_up_exps.weight", e), fe, d, WeightRole.Matrix);
                    Add(b, WeightSource.ExpertName("ffn_down_exps.weight", e), d, fe, WeightRole.Matrix);
                }
                continue;
            }
            Add(b, "ffn_gate.weight", f, d, WeightRole.Matrix);
            Add(b, "ffn_up.weight", f, d, WeightRole.Matrix);
            Add(b, "ffn_down.weight", d, f, WeightRole.Matrix);
        }
        Add(top, "output_norm.weight", 1, d, WeightRole.Vector);
        if (source.TryGet("output.weight") is not null)
            Add(top, "output.weight", v, d, WeightRole.Matrix);
        return plan;
    }

    /// <summary>
    /// Loads the weights of <paramref name="plan"/> onto <paramref name="device"/>, reporting bytes done to
    /// <paramref name="progress"/> (out of the plan's total).
    /// </summary>
    public static LlamaWeights Load(IReadOnlyList<PlannedWeight> plan, LlamaConfig c, IDevice device, IProgress<long>? progress = null)
    {
        long done = 0;
        var byName = new Dictionary<string, DeviceTensor>(StringComparer.Ordinal);
        foreach (var (key, w, role, _) in plan)
        {
            byName[key] = role == WeightRole.Vector ? ArchWeights.Vector(device, w, 0) : ArchWeights.Matrix(device, w, role);
            done += w.ByteLength;
            progress?.Report(done);
        }
        DeviceTensor Get(string name) => byName[name];
        DeviceTensor? Opt(string name) => byName.TryGetValue(name, out var t) ? t : null;

        var layers = new LlamaLayerWeights[c.NumHiddenLayers];
        for (int i = 0; i < layers.Length; i++)
        {
            string b = $"blk.{i}.";
            layers[i] = new LlamaLayerWeights(
                AttnNorm: Get(b + "attn_norm.weight"),
                Wq: Get(b + "attn_q.weight"),
                Wk: Get(b + "attn_k.weight"),
                Wv: Get(b + "attn_v.weight"),
                Wo: Get(b + "attn_output.weight"),
                Bq: Opt(b + "attn_q.bias"),
                Bk: Opt(b + "attn_k.bias"),
                Bv: Opt(b + "attn_v.bias"),
                QNorm: Opt(b + "attn_q_norm.weight"),
                KNorm: Opt(b + "attn_k_norm.weight"),
                FfnNorm: Get(b + "ffn_norm.weight"),
                WGate: Opt(b + "ffn_gate.weight"),
                WUp: Opt(b + "ffn_up.weight"),
                WDown: Opt(b + "ffn_down.weight"),
                Router: Opt(b + "ffn_gate_inp.weight"),
                Experts: c.IsMoe ? Experts(b) : null);
        }
        ExpertSet Experts(string b)
        {
            DeviceTensor[] Kind(string name) => Enumerable.Range(0, c.ExpertCount).Select(e => Get(b + WeightSource.ExpertName(name, e))).ToArray();
            return new ExpertSet(Kind("ffn_gate_exps.weight"), Kind("ffn_up_exps.weight"), Kind("ffn_down_exps.weight"), ExpertActivation.SwiGlu);
        }
        var embedding = Get("token_embd.weight");
        return new LlamaWeights(embedding, layers, Get("output_norm.weight"), Opt("output.weight") ?? embedding);
    }
}
