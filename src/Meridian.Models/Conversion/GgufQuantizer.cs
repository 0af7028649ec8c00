// `meridian quantize`: one GGUF file into another whose weight matrices have the types a QuantRecipe
// picks, as llama-quantize does. Metadata is carried over (general.file_type set to the recipe's);
// each tensor is streamed from the input's memory map in batches of rows (decoded to f32 and encoded
// with our reference quantizers, which match ggml's bytes, on every core: RowConverter), so the model
// is never in memory twice; a tensor
// already in its target type is copied as it is. The output appears under its name only when complete.
using Meridian.Core;
using Meridian.Core.Quant;
using Meridian.Core.Tensors;
using Meridian.Formats.Gguf;

namespace Meridian.Models.Conversion;

/// <summary>GGUF -> GGUF with a llama-quantize file type.</summary>
public static class GgufQuantizer
{
    /// <summary>
    /// Quantizes <paramref name="inputPath"/> into <paramref name="outputPath"/> with <paramref name="recipe"/>.
    /// <paramref name="progress"/> gets one line per tensor ("[i/n] name: type -> type, bytes") and one per
    /// fallback; <paramref name="allowRequantize"/> lets already-quantized tensors be decoded and
    /// quantized again (lossy twice; refused by default, as llama-quantize does).
    /// </summary>
    public static void Quantize(string inputPath, string outputPath, QuantRecipe recipe, Action<string>? progress = null, bool allowRequantize = false)
    {
        ArgumentNullException.ThrowIfNull(inputPath);
        ArgumentNullException.ThrowIfNull(outputPath);
        ArgumentNullException.ThrowIfNull(recipe);
        if (string.Equals(Path.GetFullPath(inputPath), Path.GetFullPath(outputPath), StringComparison.Ordinal))
            throw new ArgumentException($"output {outputPath} is the input file; write to another name", nameof(outputPath));
        using var input = GgufFile.Open(inputPath);
        int layers = LayerCount(input);
        bool tied = !input.TryGetTensor("output.weight", out _);

        var w = new GgufWriter();
        foreach (var entry in input.Metadata)
        {
            if (entry.Key is "general.file_type" or "general.quantization_version" or "general.alignment")
                continue;
            w.Add(entry.Key, entry.Value);
        }
        w.Add("general.file_type", recipe.FileType);
        w.Add("general.quantization_version", 2u);
        if (input.Alignment != 32)
            w.SetAlignment(input.Alignment);

        // Every tensor's type first, so that a refusal comes before any output or progress.
        var tensors = input.Tensors;
        var plan = new (DType Target, string? Note)[tensors.Count];
        for (int i = 0; i < tensors.Count; i++)
        {
            var info = tensors[i];
            DType target = recipe.TypeFor(info.Name, info.Dimensions, info.Type, layers, tied, out string? note);
            if (target != info.Type && !QuantCodecs.CanDequantize(info.Type))
                throw new ModelFormatException($"{inputPath}: tensor '{info.Name}' is {info.Type.Name()}, which Meridian cannot decode to convert to {target.Name()}");
            if (target != info.Type && IsQuantized(info.Type) && !allowRequantize)
                throw new ModelFormatException($"{inputPath}: tensor '{info.Name}' is already quantized ({info.Type.Name()}); quantizing it again to {target.Name()} loses precision twice (allow it with --allow-requantize)");
            plan[i] = (target, note);
        }
        for (int i = 0; i < tensors.Count; i++)
        {
            if (plan[i].Note != null)
                progress?.Invoke($"note: {plan[i].Note}");
            AddTensor(w, input, tensors[i], plan[i].Target, $"[{i + 1}/{tensors.Count}]", progress);
        }
        w.Write(outputPath);
    }

    private static void AddTensor(GgufWriter w, GgufFile input, GgufTensorInfo info, DType target, string position, Action<string>? progress)
    {
        long cols = info.Dimensions.Length == 0 ? 1 : info.Dimensions[0];
        long rows = cols == 0 ? 0 : info.ElementCount / cols;
        if (cols > int.MaxValue / 4)
            throw new ModelFormatException($"{input.Path}: tensor '{info.Name}' has rows of {cols} values, more than Meridian converts");
        long bytes = target.ByteSize(info.ElementCount);
        w.AddTensor(info.Name, target, info.Dimensions, bytes, stream =>
        {
            progress?.Invoke($"{position} {info.Name} {info.ShapeText}: {info.Type.Name()} -> {target.Name()}, {bytes} bytes");
            var data = input.GetTensorData(info);
            if (target == info.Type)
            {
                stream.Write(data); // already the target type: the bytes as they are
                return;
            }
            RowConverter.Write(stream, info.Type, data, target, rows, (int)cols);
        });
    }

    private static bool IsQuantized(DType type) => type is not (DType.F32 or DType.F16 or DType.BF16);

    // The block count under the architecture's key (llama.block_count, qwen2.block_count, ...); the
    // mixture rules need it to place Q6_K layers.
    private static int LayerCount(GgufFile input)
    {
        string arch = input.Architecture ?? throw new ModelFormatException($"{input.Path}: no general.architecture, so this is not a model file Meridian can quantize");
        if (!input.TryGetUInt32($"{arch}.block_count", out uint layers) || layers == 0 || layers > 100_000)
            throw new ModelFormatException($"{input.Path}: {arch}.block_count is missing or out of range");
        return (int)layers;
    }
}
