// What the loader, the converter and `meridian inspect` know of an architecture: the names it goes by in GGUF
// (general.architecture) and in Hugging Face config.json (model_type), how to read its hyperparameters from
// each, and its tensors' Hugging Face names. Each architecture's folder (Llama/, Gemma/) holds its config
// (hyperparameters and tensor list) and its forward pass; this registry is the one list of them.
using Meridian.Core;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;
using Meridian.Formats.Gguf;
using Meridian.Formats.HuggingFace;
using Meridian.Models.Weights;

namespace Meridian.Models.Architectures;

/// <summary>A model's hyperparameters, read from a file, ready to plan its weights and build it.</summary>
public interface IModelSpec
{
    /// <summary>The architecture as GGUF names it.</summary>
    string Architecture { get; }

    /// <summary>The sizes of its KV cache and workspace.</summary>
    DecoderShape Shape { get; }

    /// <summary>The trained context length the file states.</summary>
    int ContextLength { get; }

    /// <summary>Checks the sizes are positive and consistent; a bad file gets a message naming the field.</summary>
    void Validate(string origin);

    /// <summary>Its weights from the file's headers (no weight bytes read), checked for presence and shape.</summary>
    IReadOnlyList<PlannedWeight> Plan(WeightSource source);

    /// <summary>Every (op, dtype) its forward pass runs, for the device check before loading.</summary>
    IReadOnlyList<OpRequirement> Requirements(IReadOnlyList<PlannedWeight> plan, DType kvType);

    /// <summary>
    /// Loads the planned weights onto <paramref name="device"/> and builds the model (KV type, progress and the context
    /// it will run at from <paramref name="options"/>), which then owns <paramref name="owner"/>.
    /// </summary>
    ILanguageModel Create(IReadOnlyList<PlannedWeight> plan, IDevice device, ModelLoadOptions options, IDisposable? owner);
}

/// <summary>An architecture the build runs.</summary>
/// <param name="GgufNames">general.architecture values it reads.</param>
/// <param name="HfModelTypes">config.json model_type values it reads.</param>
/// <param name="FromGguf">Its spec from a GGUF file's metadata.</param>
/// <param name="FromHf">Its spec from a config.json (the origin for messages).</param>
/// <param name="HfName">The Hugging Face name of a GGUF tensor name, or null when the checkpoint has no such tensor.</param>
/// <param name="HfSource">
/// The weight source of a Hugging Face checkpoint when renaming is not enough (GPT-OSS rebuilds its experts); it then
/// owns the open files. Null: a <see cref="Weights.SafetensorsWeightSource"/> over <paramref name="HfName"/>.
/// </param>
public sealed record ModelArchitecture(
    IReadOnlyList<string> GgufNames,
    IReadOnlyList<string> HfModelTypes,
    Func<GgufFile, IModelSpec> FromGguf,
    Func<HfConfig, string, IModelSpec> FromHf,
    Func<string, string?> HfName,
    Func<Formats.Safetensors.SafetensorsModel, WeightSource>? HfSource = null);

/// <summary>The architectures this build runs.</summary>
public static class Architectures
{
    /// <summary>Every architecture, in the order `meridian inspect` lists them.</summary>
    public static IReadOnlyList<ModelArchitecture> All { get; } =
    [
        Llama.LlamaConfig.Definition,
        Llama.LlamaConfig.MixtralDefinition,
        Gemma.GemmaConfig.Definition,
        Phi3.Phi3Config.Definition,
        GptOss.GptOssConfig.Definition,
    ];

    /// <summary>Every general.architecture value the build runs.</summary>
    public static IReadOnlyList<string> SupportedNames { get; } = All.SelectMany(a => a.GgufNames).ToArray();

    /// <summary>The architecture of a GGUF general.architecture value, or an error naming it and the list.</summary>
    public static ModelArchitecture ForGguf(string name, string origin) =>
        All.FirstOrDefault(a => a.GgufNames.Contains(name)) ?? throw Unsupported(origin, name);

    /// <summary>The architecture of a config.json model_type, or an error naming it and the list.</summary>
    public static ModelArchitecture ForHf(string modelType, string origin) =>
        All.FirstOrDefault(a => a.HfModelTypes.Contains(modelType)) ?? throw Unsupported(origin, modelType);

    private static ModelFormatException Unsupported(string origin, string name) =>
        new($"{origin}: architecture '{name}' is not supported (supported: {string.Join(", ", SupportedNames)})");
}
