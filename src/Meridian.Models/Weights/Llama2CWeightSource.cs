// llama2.c checkpoint weights (run.c TransformerWeights), asked for by GGUF names. Per-layer
// weights are stacked in the file; each layer's slice is a view. All f32, Q/K interleaved like GGUF.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;
using Meridian.Formats.Llama2C;

namespace Meridian.Models.Weights;

/// <summary>Weights of an open llama2.c checkpoint, in place in its memory map.</summary>
public sealed partial class Llama2CWeightSource(Llama2CCheckpoint checkpoint) : WeightSource
{
    private static readonly Dictionary<string, string> LayerNames = new()
    {
        ["attn_norm"] = "rms_att_weight",
        ["attn_q"] = "wq",
        ["attn_k"] = "wk",
        ["attn_v"] = "wv",
        ["attn_output"] = "wo",
        ["ffn_norm"] = "rms_ffn_weight",
        ["ffn_gate"] = "w1",
        ["ffn_down"] = "w2",
        ["ffn_up"] = "w3",
    };

    /// <inheritdoc />
    public override string Origin => checkpoint.Path;

    /// <inheritdoc />
    protected internal override unsafe WeightData? Find(string fullName)
    {
        var m = LayerName().Match(fullName);
        ReadOnlySpan<float> data;
        long[] shape;
        if (m.Success)
        {
            if (!LayerNames.TryGetValue(m.Groups[2].Value, out var name) || !checkpoint.TryGetTensor(name, out var t))
                return null;
            int layer = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            if (layer >= checkpoint.Config.NumLayers)
                return null;
            data = checkpoint.GetLayerData(name, layer);
            shape = t.Shape[1..];
        }
        else
        {
            string? name = fullName switch
            {
                "token_embd.weight" => "token_embedding_table",
                "output_norm.weight" => "rms_final_weight",
                "output.weight" => "wcls",
                _ => null,
            };
            if (name is null || !checkpoint.TryGetTensor(name, out var t))
                return null;
            data = checkpoint.GetTensorFloats(name);
            shape = t.Shape;
        }
        var bytes = MemoryMarshal.AsBytes(data);
        return new WeightData(fullName, DType.F32, shape.Length == 2 ? (int)shape[0] : 1, (int)shape[^1],
            (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(bytes)), bytes.Length);
    }

    [GeneratedRegex(@"^blk\.(\d+)\.(\w+)\.weight$")]
    private static partial Regex LayerName();
}
