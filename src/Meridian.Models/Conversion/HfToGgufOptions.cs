// User knobs of the Hugging Face -> GGUF converter (HfToGguf).
using Meridian.Core.Tensors;
using Meridian.Tokenizers;

namespace Meridian.Models.Conversion;

/// <summary>Options of <see cref="HfToGguf.Convert"/>.</summary>
public sealed record HfToGgufOptions
{
    /// <summary>Weight type of the 2-D tensors when <see cref="Recipe"/> is null: F32, F16, BF16 or a quantized type with a recipe of the same name. 1-D tensors (norms, biases) stay F32.</summary>
    public DType Type { get; init; } = DType.F32;

    /// <summary>A llama-quantize file type (e.g. Q4_K_M) choosing each matrix's type; null = <see cref="Type"/> for every matrix, Q8_0 and K-quants with their output rules.</summary>
    public QuantRecipe? Recipe { get; init; }

    /// <summary>
    /// The tokenizer to embed. Null: the directory's tokenizer.json when there is one, else the file
    /// gets no tokenizer (llama.cpp then cannot load it; Meridian can, with an external vocabulary).
    /// </summary>
    public TokenizerSpec? Tokenizer { get; init; }

    /// <summary><c>general.name</c>; null = the directory's name.</summary>
    public string? Name { get; init; }

    /// <summary>Extra string metadata, e.g. <c>general.license</c>, <c>general.source.url</c>, <c>general.description</c>.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>Called with one line per tensor written ("[i/n] name [dims]: source -> type, bytes") and one per block fallback ("note: ..."); null = silent.</summary>
    public Action<string>? Progress { get; init; }
}
