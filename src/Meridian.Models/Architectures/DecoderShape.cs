// The sizes every decoder-only architecture shares, which size its KV cache and step workspace.
namespace Meridian.Models.Architectures;

/// <summary>
/// D = <paramref name="Hidden"/>, F = <paramref name="Ffn"/> (the widest feed-forward activation a step holds),
/// L = <paramref name="Layers"/>, H = <paramref name="Heads"/>, Hkv = <paramref name="KvHeads"/>,
/// Dh = <paramref name="HeadDim"/>, V = <paramref name="Vocab"/>.
/// </summary>
public sealed record DecoderShape(int Hidden, int Ffn, int Layers, int Heads, int KvHeads, int HeadDim, int Vocab)
{
    /// <summary>E: experts per layer of a mixture-of-experts model (its router's width); 0 for a dense one.</summary>
    public int Experts { get; init; }

    /// <summary>k: experts each token uses.</summary>
    public int ExpertsUsed { get; init; }

    /// <summary>Key and value bytes of one position over every layer, in <paramref name="kvType"/>.</summary>
    public long KvBytesPerToken(Core.Tensors.DType kvType) => 2L * Layers * Core.Tensors.DTypes.ByteSize(kvType, KvHeads * HeadDim);
}
