// A named model shape for synthetic models (SyntheticModels.Shapes).
namespace Meridian.Models.Synthetic;

/// <summary>A named model shape. D = hidden, F = ffn, V = vocab, H = heads, Hkv = kv heads, L = layers.</summary>
public sealed record SyntheticShapeSpec(string Name, string Arch, int D, int F, int V, int H, int Hkv, int L, float RopeTheta)
{
    /// <summary>Head dimension Dh = D / H.</summary>
    public int HeadDim => D / H;
}
