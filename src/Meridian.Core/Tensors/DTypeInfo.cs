// Block geometry of every DType (elements per block, bytes per block) and what Meridian can
// do with it. Sizes are the ggml type traits; see ggml/src/ggml.c type_traits.
namespace Meridian.Core.Tensors;

/// <summary>Plain description of one element type.</summary>
/// <param name="Type">The type.</param>
/// <param name="Name">The name ggml and llama.cpp print (e.g. "q4_K").</param>
/// <param name="BlockSize">Elements per block (1 for plain types).</param>
/// <param name="TypeSize">Bytes per block; 0 for ids ggml removed.</param>
/// <param name="CanDequantize">Whether Meridian decodes this type to f32.</param>
/// <param name="CanQuantize">Whether Meridian encodes f32 into this type.</param>
public sealed record DTypeInfo(DType Type, string Name, int BlockSize, int TypeSize, bool CanDequantize, bool CanQuantize)
{
    /// <summary>True for ids ggml once defined and later removed (no layout is known).</summary>
    public bool IsRemoved => TypeSize == 0;
}
