// One f32 weight tensor inside a llama2.c checkpoint, located by absolute file offset.
namespace Meridian.Formats.Llama2C;

/// <summary>
/// A weight of a llama2.c checkpoint: little-endian f32, row-major. Names are run.c's
/// TransformerWeights fields; per-layer weights are stacked with the layer as the outermost
/// dimension (e.g. wq is [n_layers, dim, dim], each [out, in] as PyTorch's Linear stores it).
/// </summary>
/// <param name="Name">run.c field name: token_embedding_table, rms_att_weight, wq, wk, wv, wo, rms_ffn_weight, w1, w2, w3, rms_final_weight, freq_cis_real, freq_cis_imag, wcls.</param>
/// <param name="Shape">Dimensions, outermost first. Treat as read-only.</param>
/// <param name="Offset">Absolute byte offset of the first element in the file.</param>
/// <param name="IsPerLayer">True when the outermost dimension is the layer index.</param>
public sealed record Llama2CTensor(string Name, long[] Shape, long Offset, bool IsPerLayer)
{
    /// <summary>Number of f32 values.</summary>
    public long ElementCount => Shape.Aggregate(1L, (n, d) => checked(n * d));

    /// <summary>Bytes: 4 × <see cref="ElementCount"/>.</summary>
    public long ByteLength => checked(ElementCount * sizeof(float));
}
