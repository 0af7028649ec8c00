// Opens a model file of any supported format and builds the model for its architecture:
// a GGUF file, a Hugging Face directory (config.json + *.safetensors) or a llama2.c checkpoint.
using Meridian.Core;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;
using Meridian.Formats.Gguf;
using Meridian.Formats.HuggingFace;
using Meridian.Formats.Llama2C;
using Meridian.Formats.Safetensors;
using Meridian.Models.Architectures;
using Meridian.Models.Llama;
using Meridian.Models.Weights;

namespace Meridian.Models;

/// <summary>Loads models; the file stays mapped for the model's lifetime (weights are used in place).</summary>
public static class ModelLoader
{
    /// <summary>
    /// Loads <paramref name="path"/> onto <paramref name="device"/>; the format is told by content. Every (op, dtype)
    /// the model needs is checked against the device before any weight is read: a missing one is refused
    /// (<see cref="UnsupportedOpException"/>) or, with <see cref="ModelLoadOptions.FallbackDevice"/>, placed there.
    /// </summary>
    public static ILanguageModel Load(string path, IDevice device, ModelLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(device);
        options ??= new ModelLoadOptions();
        if (options.KvType is not (DType.F32 or DType.F16))
            throw new ArgumentException($"the KV cache type must be f32 or f16, not {options.KvType.Name()}", nameof(options));
        if (Directory.Exists(path))
            return LoadHf(path, device, options);
        if (!File.Exists(path))
            throw new FileNotFoundException($"no such model file or directory: {path}", path);
        return IsGguf(path) ? LoadGguf(path, device, options) : LoadLlama2C(path, device, options);
    }

    /// <summary>
    /// <paramref name="device"/> if it supports every requirement; else, with a fallback device, a
    /// <see cref="FallbackDevice"/> that runs the missing pairs there; else an error naming the first missing pair.
    /// </summary>
    private static IDevice Place(IDevice device, IReadOnlyList<OpRequirement> requirements, IDevice? fallback, string origin)
    {
        var missing = requirements.Where(r => !r.IsMetBy(device)).ToList();
        if (missing.Count == 0)
            return device;
        if (fallback is null)
        {
            var first = missing[0];
            throw new UnsupportedOpException(
                $"{origin}: device {device.Name} does not support {first.Pair} (needed by {first.Use})" +
                (missing.Count > 1 ? $", nor {string.Join(", ", missing.Skip(1).Select(m => m.Pair))}" : "") +
                "; run with --allow-fallback to run these ops on the CPU");
        }
        return new FallbackDevice(device, fallback, missing.Select(m => (m.Op, m.Type)).ToList());
    }

    // Weights plus the caller's KV cache against the device's memory, before any upload (as Ollama refuses a model
    // that needs more memory than there is). On the CPU that is host RAM: its weights stay in the file's mapping,
    // and a model bigger than RAM would be paged in from disk on every token. Activations and logits (megabytes)
    // are not counted.
    private static void CheckMemory(IDevice device, IReadOnlyList<PlannedWeight> plan, IModelSpec spec, ModelLoadOptions options, string origin)
    {
        long weights = plan.Sum(p => p.Weight.ByteLength);
        int context = spec.ContextLength;
        long kv = options.KvCacheBytes?.Invoke(context, spec.Shape.KvBytesPerToken(options.KvType)) ?? 0;
        long memory = device.MemoryBytes;
        if (weights + kv <= memory)
            return;
        string need = kv > 0
            ? $"{Size(weights)} of weights plus {Size(kv)} of KV cache ({options.KvType.Name()}) = {Size(weights + kv)}"
            : $"{Size(weights)} of weights";
        throw new DeviceMemoryException(
            $"{origin} does not fit device {device.Name}: it needs {need}, and the device has {Size(memory)}; " +
            (kv > 0 ? "a smaller KV cache (--kv-type f16, --max-context, --kv-memory), " : "") +
            "a smaller quantization or a device with more memory would do");
    }

    private static string Size(long bytes) => bytes >= 1L << 30 ? $"{bytes / (double)(1L << 30):0.00} GiB ({bytes:N0} bytes)" : $"{bytes / (double)(1L << 20):0.0} MiB ({bytes:N0} bytes)";

    /// <summary>True when the file starts with the GGUF magic.</summary>
    public static bool IsGguf(string path)
    {
        Span<byte> head = stackalloc byte[4];
        using var stream = File.OpenRead(path);
        return stream.ReadAtLeast(head, 4, throwOnEndOfStream: false) == 4 && head.SequenceEqual("GGUF"u8);
    }

    private static ILanguageModel LoadGguf(string path, IDevice device, ModelLoadOptions options)
    {
        var file = GgufFile.Open(path);
        try
        {
            string arch = file.Architecture ?? throw new ModelFormatException($"{path}: metadata key 'general.architecture' is missing");
            var spec = Architectures.Architectures.ForGguf(arch, path).FromGguf(file);
            return Build(spec, new GgufWeightSource(file), device, options, file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static ILanguageModel LoadHf(string dir, IDevice device, ModelLoadOptions options)
    {
        string configPath = System.IO.Path.Combine(dir, "config.json");
        if (!File.Exists(configPath))
            throw new ModelFormatException($"{dir}: no config.json, so this is not a Hugging Face model directory");
        var hf = HfConfig.Load(configPath);
        var arch = Architectures.Architectures.ForHf(hf.ModelType ?? throw new ModelFormatException($"{dir}: config.json has no 'model_type'"), dir);
        var spec = arch.FromHf(hf, dir);
        var model = SafetensorsModel.Open(dir);
        try
        {
            if (arch.HfSource is { } custom)
            {
                var source = custom(model);
                return Build(spec, source, device, options, source as IDisposable ?? model);
            }
            return Build(spec, new SafetensorsWeightSource(model, arch.HfName), device, options, model);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static ILanguageModel LoadLlama2C(string path, IDevice device, ModelLoadOptions options)
    {
        var checkpoint = Llama2CCheckpoint.Open(path);
        try
        {
            return Build(LlamaConfig.FromLlama2C(checkpoint.Config), new Llama2CWeightSource(checkpoint), device, options, checkpoint);
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
    }

    private static ILanguageModel Build(IModelSpec spec, WeightSource source, IDevice device, ModelLoadOptions options, IDisposable owner)
    {
        spec.Validate(source.Origin);
        var plan = spec.Plan(source); // headers only
        var requirements = spec.Requirements(plan, options.KvType);
        var placed = Place(device, requirements, options.FallbackDevice, source.Origin);
        CheckMemory(device, plan, spec, options, source.Origin);
        return spec.Create(plan, placed, options, owner);
    }
}
