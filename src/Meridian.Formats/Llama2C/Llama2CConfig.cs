// The hyper-parameters in a llama2.c checkpoint header (run.c `Config`).
// Reference: https://github.com/karpathy/llama2.c/blob/master/run.c
namespace Meridian.Formats.Llama2C;

/// <summary>
/// Header of a llama2.c checkpoint. <see cref="VocabSize"/> is always positive here; in a
/// legacy file a negative stored value meant "unshared classifier", which is
/// <see cref="SharedClassifier"/> = false.
/// </summary>
/// <param name="Dim">Model width (run.c dim).</param>
/// <param name="HiddenDim">MLP width (hidden_dim).</param>
/// <param name="NumLayers">Transformer blocks (n_layers).</param>
/// <param name="NumHeads">Query heads (n_heads).</param>
/// <param name="NumKvHeads">Key/value heads (n_kv_heads), dividing <see cref="NumHeads"/>.</param>
/// <param name="VocabSize">Vocabulary size (absolute value of the stored field).</param>
/// <param name="SeqLen">Maximum sequence length (seq_len).</param>
/// <param name="SharedClassifier">True when the output classifier is the token embedding (no wcls tensor).</param>
/// <param name="Format">Which layout the file uses.</param>
public sealed record Llama2CConfig(
    int Dim,
    int HiddenDim,
    int NumLayers,
    int NumHeads,
    int NumKvHeads,
    int VocabSize,
    int SeqLen,
    bool SharedClassifier,
    Llama2CFormat Format)
{
    /// <summary>Per-head width: Dim / NumHeads.</summary>
    public int HeadSize => Dim / NumHeads;

    /// <summary>Key/value width: HeadSize × NumKvHeads.</summary>
    public int KvDim => HeadSize * NumKvHeads;
}
