// Read-only weights of a Llama-family model as device tensors (views into the memory map on the CPU).
// Every weight name is asked for here once, in GGUF spelling; the WeightSource maps other formats.
using Meridian.Core;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;
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
    DeviceTensor? QNorm,       // [1, Dh]     (Qwen3)
    DeviceTensor? KNorm,       // [1, Dh]     (Qwen3)
    DeviceTensor FfnNorm,      // [1, D]
    DeviceTensor WGate,        // [F, D]
    DeviceTensor WUp,          // [F, D]
    DeviceTensor WDown);       // [D, F]

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
            foreach (var t in new[] { l.AttnNorm, l.Wq, l.Wk, l.Wv, l.Wo, l.Bq, l.Bk, l.Bv, l.QNorm, l.KNorm, l.FfnNorm, l.WGate, l.WUp, l.WDown })
            {
                if (t is { } tensor)
                    buffers.Add(tensor.Buffer);
            }
        }
        foreach (var b in buffers)
            b.Dispose();
    }

    /// <summary>Loads every weight named by <paramref name="c"/> from <paramref name="source"/> onto <paramref name="device"/>.</summary>
    public static LlamaWeights Load(WeightSource source, LlamaConfig c, IDevice device)
    {
        // D = hidden, F = ffn, V = vocab, H = heads, Hkv = kv heads, Dh = head dim
        int d = c.HiddenSize, f = c.IntermediateSize, v = c.VocabSize, q = c.NumAttentionHeads * c.HeadDim, kv = c.NumKeyValueHeads * c.HeadDim;

        DeviceTensor Matrix(WeightSource s, string name, int rows, int cols, BackendOp op = BackendOp.MatMul)
        {
            var w = s.Get(name, rows, cols);
            if (!device.Supports(op, w.Type))
                throw new UnsupportedDTypeException($"{source.Origin}: tensor '{w.Name}' is {w.Type.Name()}, which {device.Name} cannot use for {op}");
            // A matrix only ever multiplied may be kept in the device's own layout; a lookup table may not.
            var buffer = op == BackendOp.MatMul ? device.LoadMatMulWeights(w.Bytes, w.Type, rows, cols) : device.LoadWeights(w.Bytes);
            return new DeviceTensor(buffer, 0, w.Type, rows, cols);
        }

        // Norm weights and biases are small; GGUF stores them f32, HF may store f16/bf16, so decode once.
        DeviceTensor Vector(WeightSource s, string name, int n)
        {
            var w = s.Get(name, 1, n);
            var values = new float[n];
            Core.Quant.QuantCodecs.DequantizeReference(w.Type, w.Bytes, values);
            var buffer = device.Allocate(n * sizeof(float), BufferUsage.Weights);
            var t = DeviceTensor.F32(buffer, 1, n);
            using var stream = device.CreateStream();
            stream.Upload(values, t);
            stream.Synchronize();
            return t;
        }

        var layers = new LlamaLayerWeights[c.NumHiddenLayers];
        for (int i = 0; i < layers.Length; i++)
        {
            var b = source.Pp($"blk.{i}");
            layers[i] = new LlamaLayerWeights(
                AttnNorm: Vector(b, "attn_norm.weight", d),
                Wq: Matrix(b, "attn_q.weight", q, d),
                Wk: Matrix(b, "attn_k.weight", kv, d),
                Wv: Matrix(b, "attn_v.weight", kv, d),
                Wo: Matrix(b, "attn_output.weight", d, q),
                Bq: c.AttentionBias ? Vector(b, "attn_q.bias", q) : null,
                Bk: c.AttentionBias ? Vector(b, "attn_k.bias", kv) : null,
                Bv: c.AttentionBias ? Vector(b, "attn_v.bias", kv) : null,
                QNorm: c.QkNorm ? Vector(b, "attn_q_norm.weight", c.HeadDim) : null,
                KNorm: c.QkNorm ? Vector(b, "attn_k_norm.weight", c.HeadDim) : null,
                FfnNorm: Vector(b, "ffn_norm.weight", d),
                WGate: Matrix(b, "ffn_gate.weight", f, d),
                WUp: Matrix(b, "ffn_up.weight", f, d),
                WDown: Matrix(b, "ffn_down.weight", d, f));
        }
        var embedding = Matrix(source, "token_embd.weight", v, d, BackendOp.EmbeddingLookup);
        var output = source.TryGet("output.weight") is null ? embedding : Matrix(source, "output.weight", v, d);
        return new LlamaWeights(embedding, layers, Vector(source, "output_norm.weight", d), output);
    }
}
