// The model file formats Meridian reads, and detection from a path's first bytes.
namespace Meridian.Formats.Inspection;

/// <summary>A model file format Meridian reads.</summary>
public enum ModelFileFormat
{
    /// <summary>GGUF (llama.cpp).</summary>
    Gguf,
    /// <summary>A safetensors file or a Hugging Face directory (config.json + model*.safetensors).</summary>
    Safetensors,
    /// <summary>A llama2.c checkpoint (legacy or version-1 export).</summary>
    Llama2C,
}
