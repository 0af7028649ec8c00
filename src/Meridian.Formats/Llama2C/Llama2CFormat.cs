// Which llama2.c checkpoint layout a file uses (karpathy/llama2.c export.py).
namespace Meridian.Formats.Llama2C;

/// <summary>llama2.c checkpoint layouts Meridian reads.</summary>
public enum Llama2CFormat
{
    /// <summary>export.py legacy_export ("version 0"): 7 int32 header, f32 weights, freq_cis tables, sign of vocab_size = shared classifier.</summary>
    Legacy = 0,

    /// <summary>export.py version1_export: "ak42" magic, version 1, 256-byte header, f32 weights in a different order, no freq_cis.</summary>
    Version1 = 1,
}
