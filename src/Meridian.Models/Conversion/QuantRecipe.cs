// Which type each tensor of a model gets for a llama-quantize file type ("Q4_K_M", "Q8_0", ...), the
// rules of llama.cpp's llama_tensor_get_type (src/llama-quant.cpp, MIT) for the dense Llama/Qwen
// families read as facts: norms and other 1-D tensors are never quantized; output.weight (or the
// embedding when it is tied) gets Q6_K unless the file type is Q8_0 (Q8_0 when its rows are not whole
// blocks of the base type); Q4_K_M and Q5_K_M give attn_v and ffn_down Q6_K in the first and last
// eighth of the layers and every third layer between, and a fused attn_qkv (Phi-3) Q5_K and Q6_K; a row that is not whole blocks of the chosen
// type falls back (Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0, then F16), and the recipe says so.
using Meridian.Core.Tensors;

namespace Meridian.Models.Conversion;

/// <summary>A llama-quantize file type: the base weight type and the mixture rules around it.</summary>
public sealed record QuantRecipe
{
    private static readonly (string Name, DType Base, uint FileType, bool Mix)[] Known =
    [
        ("F32", DType.F32, 0, false),
        ("F16", DType.F16, 1, false),
        ("BF16", DType.BF16, 32, false),
        ("Q4_0", DType.Q4_0, 2, false),
        ("Q4_1", DType.Q4_1, 3, false),
        ("Q5_0", DType.Q5_0, 8, false),
        ("Q5_1", DType.Q5_1, 9, false),
        ("Q8_0", DType.Q8_0, 7, false),
        ("Q4_K_M", DType.Q4_K, 15, true),
        ("Q5_K_M", DType.Q5_K, 17, true),
        ("Q6_K", DType.Q6_K, 18, false),
    ];

    private QuantRecipe(string name, DType baseType, uint fileType, bool mix)
    {
        Name = name;
        Base = baseType;
        FileType = fileType;
        Mix = mix;
    }

    /// <summary>The names <see cref="Parse"/> accepts (case-insensitive; "Q4_K" and "Q5_K" mean the _M mixes, as in llama-quantize).</summary>
    public static IReadOnlyList<string> Names { get; } = Known.Select(k => k.Name).ToArray();

    /// <summary>The file type's name, e.g. "Q4_K_M".</summary>
    public string Name { get; }

    /// <summary>The type most weight matrices get.</summary>
    public DType Base { get; }

    /// <summary>llama.cpp's llama_ftype value, written as <c>general.file_type</c>.</summary>
    public uint FileType { get; }

    /// <summary>Every 2-D tensor gets <see cref="Base"/> (llama-quantize --pure): no Q6_K output, no mixture.</summary>
    public bool Pure { get; init; }

    /// <summary>output.weight keeps the type it has in the input (llama-quantize --leave-output-tensor).</summary>
    public bool KeepOutput { get; init; }

    private bool Mix { get; }

    private bool Quantized => Base is not (DType.F32 or DType.F16 or DType.BF16);

    /// <summary>The recipe named <paramref name="name"/>; an unknown name is refused with the list of known ones.</summary>
    public static QuantRecipe Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string upper = name.ToUpperInvariant() switch { "Q4_K" => "Q4_K_M", "Q5_K" => "Q5_K_M", var u => u };
        foreach (var k in Known)
        {
            if (k.Name == upper)
                return new QuantRecipe(k.Name, k.Base, k.FileType, k.Mix);
        }
        throw new ArgumentException($"unknown type '{name}' (known: {string.Join(", ", Names)})", nameof(name));
    }

    /// <summary>
    /// The type of tensor <paramref name="name"/> (GGUF name) with <paramref name="dims"/> (GGUF order: columns
    /// first), currently <paramref name="current"/>, in a model of <paramref name="layers"/> blocks;
    /// <paramref name="outputIsEmbedding"/> when the model has no output.weight (tied). <paramref name="note"/>
    /// says why the type is not the one the rules picked first (a row that is not whole blocks), else null.
    /// </summary>
    public DType TypeFor(string name, long[] dims, DType current, int layers, bool outputIsEmbedding, out string? note)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(dims);
        note = null;
        // Norms, biases and other vectors are kept as they are (llama.cpp quantizes only 2-D weights).
        // Nor is a mixture of experts' router (llama-quantize: "do not quantize expert gating tensors").
        if (dims.Length < 2 || name.EndsWith("_norm.weight", StringComparison.Ordinal) || name.EndsWith(".ffn_gate_inp.weight", StringComparison.Ordinal))
            return current;
        bool output = name == "output.weight" || (outputIsEmbedding && name == "token_embd.weight");
        if (output && KeepOutput)
            return current;
        DType type = Base;
        long cols = dims[0];
        if (Quantized && !Pure)
        {
            if (output)
                type = cols % Base.Info().BlockSize != 0 ? DType.Q8_0 : Base == DType.Q8_0 ? DType.Q8_0 : DType.Q6_K;
            else if (Mix && name.EndsWith(".attn_qkv.weight", StringComparison.Ordinal))
                type = Base == DType.Q4_K ? DType.Q5_K : DType.Q6_K; // Phi-3's fused QKV: one step up in Q4_K_M and Q5_K_M
            else if (Mix && (name.EndsWith(".attn_v.weight", StringComparison.Ordinal) || name.EndsWith(".ffn_down.weight", StringComparison.Ordinal)
                     || name.EndsWith(".ffn_down_exps.weight", StringComparison.Ordinal))
                     && Layer(name) is int layer && MoreBits(layer, layers))
                type = DType.Q6_K;
        }
        DType fallback = Fallback(type, cols);
        if (fallback != type)
            note = $"{name}: rows of {cols} are not whole {type.Name()} blocks of {type.Info().BlockSize}; using {fallback.Name()}";
        return fallback;
    }

    /// <summary><paramref name="type"/>, or llama-quantize's fallback when rows of <paramref name="cols"/> are not whole blocks of it.</summary>
    internal static DType Fallback(DType type, long cols)
    {
        if (cols % type.Info().BlockSize == 0)
            return type;
        DType fallback = type switch
        {
            DType.Q4_K => DType.Q5_0,
            DType.Q5_K => DType.Q5_1,
            DType.Q6_K => DType.Q8_0,
            _ => DType.F16,
        };
        return cols % fallback.Info().BlockSize == 0 ? fallback : DType.F16;
    }

    /// <summary>llama-quantize's use_more_bits: the first and last eighth of the layers, and every third layer between.</summary>
    internal static bool MoreBits(int layer, int layers) =>
        layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;

    private static int? Layer(string name)
    {
        if (!name.StartsWith("blk.", StringComparison.Ordinal))
            return null;
        int dot = name.IndexOf('.', 4);
        return dot > 4 && int.TryParse(name.AsSpan(4, dot - 4), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int layer) ? layer : null;
    }
}
