// Opens a model file of any supported format and builds the model for its architecture:
// a GGUF file, a Hugging Face directory (config.json + *.safetensors) or a llama2.c checkpoint.
using Meridian.Core;
using Meridian.Core.Backends;
using Meridian.Formats.Gguf;
using Meridian.Formats.HuggingFace;
using Meridian.Formats.Llama2C;
using Meridian.Formats.Safetensors;
using Meridian.Models.Llama;
using Meridian.Models.Weights;

namespace Meridian.Models;

/// <summary>Loads models; the file stays mapped for the model's lifetime (weights are used in place).</summary>
public static class ModelLoader
{
    /// <summary>Loads <paramref name="path"/> onto <paramref name="device"/>; the format is told by content.</summary>
    public static ILanguageModel Load(string path, IDevice device)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
            return LoadHf(path, device);
        if (!File.Exists(path))
            throw new FileNotFoundException($"no such model file or directory: {path}", path);
        return IsGguf(path) ? LoadGguf(path, device) : LoadLlama2C(path, device);
    }

    /// <summary>True when the file starts with the GGUF magic.</summary>
    public static bool IsGguf(string path)
    {
        Span<byte> head = stackalloc byte[4];
        using var stream = File.OpenRead(path);
        return stream.ReadAtLeast(head, 4, throwOnEndOfStream: false) == 4 && head.SequenceEqual("GGUF"u8);
    }

    private static ILanguageModel LoadGguf(string path, IDevice device)
    {
        var file = GgufFile.Open(path);
        try
        {
            var config = LlamaConfig.FromGguf(file);
            var source = new GgufWeightSource(file);
            if (source.TryGet("rope_freqs.weight") is { } freqs)
            {
                // llama.cpp stores Llama 3.1 rope scaling as per-frequency divisors.
                var factors = new float[config.HeadDim / 2];
                if (freqs.Type != Core.Tensors.DType.F32 || freqs.Rows * freqs.Cols != factors.Length)
                    throw new ModelFormatException($"{path}: tensor 'rope_freqs.weight' must be {factors.Length} f32 values");
                System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(freqs.Bytes).CopyTo(factors);
                config = config with { RopeFreqFactors = factors };
            }
            return Build(config, source, device, file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static ILanguageModel LoadHf(string dir, IDevice device)
    {
        string configPath = System.IO.Path.Combine(dir, "config.json");
        if (!File.Exists(configPath))
            throw new ModelFormatException($"{dir}: no config.json, so this is not a Hugging Face model directory");
        var config = LlamaConfig.FromHf(HfConfig.Load(configPath), dir);
        var model = SafetensorsModel.Open(dir);
        try
        {
            return Build(config, new SafetensorsWeightSource(model), device, model);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static ILanguageModel LoadLlama2C(string path, IDevice device)
    {
        var checkpoint = Llama2CCheckpoint.Open(path);
        try
        {
            return Build(LlamaConfig.FromLlama2C(checkpoint.Config), new Llama2CWeightSource(checkpoint), device, checkpoint);
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
    }

    private static LlamaModel Build(LlamaConfig config, WeightSource source, IDevice device, IDisposable owner)
    {
        config.Validate(source.Origin);
        return new LlamaModel(config, LlamaWeights.Load(source, config, device), device, owner);
    }
}
