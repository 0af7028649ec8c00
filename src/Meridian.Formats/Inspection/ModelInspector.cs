// Builds a ModelSummary for any model path Meridian reads, reading headers only (weights stay
// in the memory map, untouched).
using Meridian.Core;

namespace Meridian.Formats.Inspection;

/// <summary>Describes model files without loading their weights.</summary>
public static partial class ModelInspector
{
    /// <summary>
    /// Summarises the model at <paramref name="path"/> (GGUF file, safetensors file, Hugging Face
    /// directory, or llama2.c checkpoint). Bad files raise a <see cref="MeridianException"/> naming what is wrong.
    /// </summary>
    public static ModelSummary Inspect(string path) => ModelFileDetector.Detect(path) switch
    {
        ModelFileFormat.Gguf => InspectGguf(path),
        ModelFileFormat.Safetensors => InspectSafetensors(path),
        ModelFileFormat.Llama2C => InspectLlama2C(path),
        var f => throw new ModelFormatException($"{path}: format {f} has no inspector"),
    };
}
