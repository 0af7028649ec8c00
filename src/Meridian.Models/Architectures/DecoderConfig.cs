// The hyperparameters every decoder architecture has, named as Hugging Face config.json names them; each
// architecture's config (LlamaConfig, GemmaConfig, Phi3Config, GptOssConfig) adds its own.
using Meridian.Formats.Gguf;

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

    /// <summary>
    /// Writes the GGUF keys every decoder has under <paramref name="arch"/>: trained context, widths, block and
    /// head counts, norm epsilon and RoPE base, and the head lengths where they differ from hidden / heads (the
    /// value llama.cpp assumes when they are absent).
    /// </summary>
    public void AddDecoderKeys(GgufWriter w, string arch, int feedForwardLength)
    {
        w.Add($"{arch}.context_length", (uint)MaxPositionEmbeddings);
        w.Add($"{arch}.embedding_length", (uint)HiddenSize);
        w.Add($"{arch}.block_count", (uint)NumHiddenLayers);
        w.Add($"{arch}.feed_forward_length", (uint)feedForwardLength);
        w.Add($"{arch}.attention.head_count", (uint)NumAttentionHeads);
        w.Add($"{arch}.attention.head_count_kv", (uint)NumKeyValueHeads);
        if (HeadDim != HiddenSize / NumAttentionHeads)
        {
            w.Add($"{arch}.attention.key_length", (uint)HeadDim);
            w.Add($"{arch}.attention.value_length", (uint)HeadDim);
        }
        w.Add($"{arch}.attention.layer_norm_rms_epsilon", RmsNormEps);
        w.Add($"{arch}.rope.freq_base", RopeTheta);
    }
}
