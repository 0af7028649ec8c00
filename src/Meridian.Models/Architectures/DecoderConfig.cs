// The hyperparameters every decoder architecture has, named as Hugging Face config.json names them; each
// architecture's config (LlamaConfig, GemmaConfig, Phi3Config, GptOssConfig) adds its own.
namespace Meridian.Models.Architectures;

/// <summary>Sizes, norm epsilon and RoPE base common to every decoder.</summary>
public abstract record DecoderConfig
{
    public required int HiddenSize { get; init; }

    public required int NumHiddenLayers { get; init; }

    public required int NumAttentionHeads { get; init; }

    public required int NumKeyValueHeads { get; init; }

    public required int HeadDim { get; init; }

    public required int VocabSize { get; init; }

    /// <summary>Trained context length as the file states it.</summary>
    public required int MaxPositionEmbeddings { get; init; }

    public required float RmsNormEps { get; init; }

    /// <summary>RoPE base (rope_theta / rope.freq_base); Gemma's global layers'.</summary>
    public required float RopeTheta { get; init; }
}
