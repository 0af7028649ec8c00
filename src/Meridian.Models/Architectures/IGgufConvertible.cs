// An architecture whose spec writes itself to GGUF: `meridian convert` then needs nothing architecture-specific
// beyond this (keys, the tensor list shared with the loader, the Hugging Face names of the registry).
using Meridian.Formats.Gguf;

namespace Meridian.Models.Architectures;

/// <summary>A spec that `meridian convert` can write as llama.cpp's convert_hf_to_gguf does for its architecture.</summary>
public interface IGgufConvertible : IModelSpec
{
    /// <summary>Every tensor in GGUF names and llama.cpp's order, with what a Hugging Face checkpoint stores instead.</summary>
    IEnumerable<ArchTensor> Tensors();

    /// <summary>The {arch}.* hyperparameter keys as convert_hf_to_gguf writes them.</summary>
    void AddHyperParameters(GgufWriter w);

    /// <summary>Tensors computed from config.json rather than copied from the checkpoint (Phi-3's LongRoPE factors), f32.</summary>
    IEnumerable<(string Name, float[] Values)> ComputedTensors() => [];

    /// <summary>
    /// Refuses, naming the field, a config that GGUF's keys cannot carry (llama.cpp would read back another model).
    /// </summary>
    void CheckGgufExpressible(string origin);
}
