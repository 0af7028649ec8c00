// A named model shape for synthetic models (SyntheticModels.Shapes).
namespace Meridian.Models.Synthetic;

/// <summary>
/// A named model shape. D = hidden, F = ffn, V = vocab, H = heads, Hkv = kv heads, L = layers; <paramref name="Dh"/>
/// the head dimension where it is not D / H (Gemma 3), <paramref name="Window"/> a sliding window (Gemma),
/// <paramref name="RotaryDim"/> the rotated width of each head where it is not all of it (Phi), <paramref name="Experts"/> and
/// <paramref name="ExpertsUsed"/> a mixture of experts (F is then one expert's width).
/// </summary>
public sealed record SyntheticShapeSpec(string Name, string Arch, int D, int F, int V, int H, int Hkv, int L, float RopeTheta, int? Dh = null, int Window = 0,
    int? RotaryDim = null, int Experts = 0, int ExpertsUsed = 0)
{
    /// <summary>Head dimension: <see cref="Dh"/>, else D / H.</summary>
    public int HeadDim => Dh ?? D / H;
}
