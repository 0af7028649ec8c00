// Which dimensions RoPE rotates together. GGUF Llama files (and llama2.c) store Q/K for the
// interleaved "normal" layout; HF checkpoints and GGUF Qwen2/Qwen3 use NeoX rotate-half.
namespace Meridian.Core.Backends;

/// <summary>Pairing of dimensions rotated by RoPE.</summary>
public enum RopeLayout
{
    /// <summary>Pairs (2i, 2i+1): Meta's original and ggml's LLAMA_ROPE_TYPE_NORM.</summary>
    Interleaved,

    /// <summary>Pairs (i, i + Dh/2): GPT-NeoX and HF "rotate_half" (ggml LLAMA_ROPE_TYPE_NEOX).</summary>
    RotateHalf,
}
