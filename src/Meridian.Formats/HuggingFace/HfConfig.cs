// A Hugging Face config.json for decoder-only LLMs (Llama, Qwen2, Mistral, ...), read into typed
// fields. Field names and defaults: transformers configuration_llama.py / configuration_qwen2.py.
using System.Text.Json;
using Meridian.Core;

namespace Meridian.Formats.HuggingFace;

/// <summary>
/// The fields of config.json Meridian uses, in Hugging Face names (PascalCase). Fields whose
/// default differs by architecture are nullable, so the model code decides. Known limit:
/// multimodal configs that nest the language model under "text_config" are not unwrapped.
/// </summary>
public sealed record HfConfig
{
    /// <summary>Largest config.json accepted; real ones are a few kilobytes.</summary>
    public const long MaxFileBytes = 16 << 20;

    /// <summary>"model_type" ("llama", "qwen2", ...).</summary>
    public string? ModelType { get; init; }

    /// <summary>"architectures" (["LlamaForCausalLM"], ...); empty when absent.</summary>
    public IReadOnlyList<string> Architectures { get; init; } = [];

    /// <summary>"hidden_size" (required, positive).</summary>
    public int HiddenSize { get; init; }

    /// <summary>"intermediate_size": MLP width (required, positive).</summary>
    public int IntermediateSize { get; init; }

    /// <summary>"num_hidden_layers" (required, positive).</summary>
    public int NumHiddenLayers { get; init; }

    /// <summary>"num_attention_heads" (required, positive).</summary>
    public int NumAttentionHeads { get; init; }

    /// <summary>"num_key_value_heads"; defaults to <see cref="NumAttentionHeads"/> (no GQA) when absent.</summary>
    public int NumKeyValueHeads { get; init; }

    /// <summary>"head_dim" when stated; null means hidden_size / num_attention_heads (see <see cref="HeadDimOrDefault"/>).</summary>
    public int? HeadDim { get; init; }

    /// <summary>"max_position_embeddings": trained context length.</summary>
    public int? MaxPositionEmbeddings { get; init; }

    /// <summary>"rms_norm_eps".</summary>
    public double? RmsNormEps { get; init; }

    /// <summary>"rope_theta" (or "rope_parameters.rope_theta" in newer files); 10000 when absent.</summary>
    public double RopeTheta { get; init; } = 10000.0;

    /// <summary>"rope_scaling", or null when absent/null (plain RoPE).</summary>
    public HfRopeScaling? RopeScaling { get; init; }

    /// <summary>"vocab_size" (required, positive).</summary>
    public int VocabSize { get; init; }

    /// <summary>"tie_word_embeddings"; null when absent (transformers' default differs by class).</summary>
    public bool? TieWordEmbeddings { get; init; }

    /// <summary>"torch_dtype" (or the newer "dtype"): "float32", "bfloat16", ...</summary>
    public string? TorchDtype { get; init; }

    /// <summary>"bos_token_id".</summary>
    public int? BosTokenId { get; init; }

    /// <summary>"eos_token_id", which may be one id or a list; empty when absent.</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    /// <summary>"hidden_act" ("silu", "gelu_pytorch_tanh", ...).</summary>
    public string? HiddenAct { get; init; }

    /// <summary>"attention_bias": q/k/v/o biases (Llama); null when absent (Qwen2 has biases without saying so).</summary>
    public bool? AttentionBias { get; init; }

    /// <summary>"sliding_window" size; check <see cref="UseSlidingWindow"/> where the architecture has it (Qwen2).</summary>
    public int? SlidingWindow { get; init; }

    /// <summary>"use_sliding_window" (Qwen2); null when absent.</summary>
    public bool? UseSlidingWindow { get; init; }

    /// <summary>The whole config as parsed, for fields not named here.</summary>
    public JsonElement Raw { get; init; }

    /// <summary><see cref="HeadDim"/>, or hidden_size / num_attention_heads when not stated.</summary>
    public int HeadDimOrDefault => HeadDim ?? HiddenSize / NumAttentionHeads;

    /// <summary>Reads <paramref name="path"/>; errors are <see cref="ModelFormatException"/> naming the file and field.</summary>
    public static HfConfig Load(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
            throw new FileNotFoundException($"no such file: {path}", path);
        if (info.Length > MaxFileBytes)
            throw new ModelFormatException($"{path}: {info.Length} bytes is too large for a config.json (limit {MaxFileBytes})");
        return FromJson(File.ReadAllText(path), path);
    }

    /// <summary>Parses config.json text; <paramref name="source"/> names it in error messages.</summary>
    public static HfConfig FromJson(string json, string source = "config.json")
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64, AllowTrailingCommas = false });
            root = doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{source}: not valid JSON: {e.Message}", e);
        }
        if (root.ValueKind != JsonValueKind.Object)
            throw new ModelFormatException($"{source}: config must be a JSON object, found {root.ValueKind}");

        var f = new HfJsonFields(source, root);
        int heads = f.Positive("num_attention_heads", f.RequiredInt("num_attention_heads"));
        int? headDim = f.OptionalInt("head_dim");
        if (headDim is int hd)
            f.Positive("head_dim", hd);
        double? eps = f.OptionalDouble("rms_norm_eps");
        if (eps is <= 0)
            throw f.Error("rms_norm_eps", $"must be positive, found {eps}");

        var ropeParameters = f.Get("rope_parameters");
        var ropeParams = ropeParameters is { ValueKind: JsonValueKind.Object } rp ? new HfJsonFields(source, rp, "rope_parameters.") : (HfJsonFields?)null;
        double ropeTheta = f.OptionalDouble("rope_theta") ?? ropeParams?.OptionalDouble("rope_theta") ?? 10000.0;
        if (ropeTheta <= 0)
            throw f.Error("rope_theta", $"must be positive, found {ropeTheta}");

        return new HfConfig
        {
            ModelType = f.OptionalString("model_type"),
            Architectures = f.StringList("architectures"),
            HiddenSize = f.Positive("hidden_size", f.RequiredInt("hidden_size")),
            IntermediateSize = f.Positive("intermediate_size", f.RequiredInt("intermediate_size")),
            NumHiddenLayers = f.Positive("num_hidden_layers", f.RequiredInt("num_hidden_layers")),
            NumAttentionHeads = heads,
            NumKeyValueHeads = f.Positive("num_key_value_heads", f.OptionalInt("num_key_value_heads") ?? heads),
            HeadDim = headDim,
            MaxPositionEmbeddings = f.OptionalInt("max_position_embeddings"),
            RmsNormEps = eps,
            RopeTheta = ropeTheta,
            RopeScaling = ReadRopeScaling(source, f, ropeParameters),
            VocabSize = f.Positive("vocab_size", f.RequiredInt("vocab_size")),
            TieWordEmbeddings = f.OptionalBool("tie_word_embeddings"),
            TorchDtype = f.OptionalString("torch_dtype") ?? f.OptionalString("dtype"),
            BosTokenId = f.OptionalInt("bos_token_id"),
            EosTokenIds = f.IntOrIntList("eos_token_id"),
            HiddenAct = f.OptionalString("hidden_act"),
            AttentionBias = f.OptionalBool("attention_bias"),
            SlidingWindow = f.OptionalInt("sliding_window"),
            UseSlidingWindow = f.OptionalBool("use_sliding_window"),
            Raw = root,
            Source = source,
        };
    }

    /// <summary>Where the config came from, for messages.</summary>
    public string Source { get; init; } = "config.json";

    /// <summary>An architecture-specific number field of <see cref="Raw"/>, or null when absent; a wrong type is an error naming it.</summary>
    public double? OptionalDouble(string name) => new HfJsonFields(Source, Raw).OptionalDouble(name);

    /// <summary>An architecture-specific integer field of <see cref="Raw"/>, or null when absent.</summary>
    public int? OptionalInt(string name) => new HfJsonFields(Source, Raw).OptionalInt(name);

    /// <summary>An architecture-specific string field of <see cref="Raw"/>, or null when absent.</summary>
    public string? OptionalString(string name) => new HfJsonFields(Source, Raw).OptionalString(name);

    /// <summary>An architecture-specific list of strings of <see cref="Raw"/> (empty when absent).</summary>
    public IReadOnlyList<string> StringList(string name) => new HfJsonFields(Source, Raw).StringList(name);

    /// <summary>"rope_scaling", or a non-default "rope_parameters" block (transformers v5 merged the two).</summary>
    private static HfRopeScaling? ReadRopeScaling(string source, HfJsonFields f, JsonElement? ropeParameters)
    {
        string prefix = "rope_scaling.";
        JsonElement block;
        if (f.Get("rope_scaling") is { } scaling)
        {
            if (scaling.ValueKind != JsonValueKind.Object)
                throw f.Error("rope_scaling", $"must be an object or null, found {scaling.ValueKind}");
            block = scaling;
        }
        else if (ropeParameters is { ValueKind: JsonValueKind.Object } parameters)
        {
            block = parameters;
            prefix = "rope_parameters.";
        }
        else
        {
            return null;
        }

        var s = new HfJsonFields(source, block, prefix);
        string? type = s.OptionalString("rope_type") ?? s.OptionalString("type");
        if (prefix == "rope_parameters." && (type is null || type == "default"))
            return null; // only rope_theta there: plain RoPE
        if (type is null)
            throw s.Error("rope_type", "is missing (required in a rope_scaling block)");
        double? factor = s.OptionalDouble("factor");
        if (factor is <= 0)
            throw s.Error("factor", $"must be positive, found {factor}");
        return new HfRopeScaling(type, factor, s.OptionalDouble("low_freq_factor"), s.OptionalDouble("high_freq_factor"),
            s.OptionalInt("original_max_position_embeddings"), block);
    }
}
