// The "rope_scaling" block of a Hugging Face config.json (linear, dynamic, yarn, llama3, ...).
// Field meanings: transformers modeling_rope_utils.py (ROPE_INIT_FUNCTIONS).
using System.Text.Json;

namespace Meridian.Formats.HuggingFace;

/// <summary>
/// RoPE scaling parameters as config.json states them. Which fields matter depends on
/// <see cref="RopeType"/>; the rest of the block is kept in <see cref="Raw"/>.
/// </summary>
/// <param name="RopeType">"rope_type" (or the older "type"): "linear", "dynamic", "yarn", "llama3", "longrope", ...</param>
/// <param name="Factor">"factor": context extension factor.</param>
/// <param name="LowFreqFactor">"low_freq_factor" (llama3).</param>
/// <param name="HighFreqFactor">"high_freq_factor" (llama3).</param>
/// <param name="OriginalMaxPositionEmbeddings">"original_max_position_embeddings" (llama3, yarn, longrope).</param>
/// <param name="Raw">The whole block, for type-specific fields not named here.</param>
public sealed record HfRopeScaling(
    string RopeType,
    double? Factor,
    double? LowFreqFactor,
    double? HighFreqFactor,
    int? OriginalMaxPositionEmbeddings,
    JsonElement Raw);
