// The models of the model level: Karpathy's trained stories260K (../shared/testdata/stories260k, as llama.cpp
// converted and quantized it; skipped with a reason when absent) and tiny random-weight models of each
// architecture family the loader supports (llama; qwen2 with q/k/v biases and rotate-half RoPE; qwen3 with
// per-head q/k norms), written by SyntheticModels in every weight dtype the device claims and Core can encode.
using Meridian.Conformance.Reports;
using Meridian.Core.Backends;
using Meridian.Core.Quant;
using Meridian.Core.Tensors;
using Meridian.Models.Synthetic;

namespace Meridian.Conformance.ModelLevel;

internal static class ModelFixtures
{
    /// <summary>
    /// Kit shapes: 256-wide (a whole k-quant super-block, so every dtype stays itself), two layers, a 512-token
    /// vocabulary; GQA 4 with Dh 64 (llama), GQA 2 with Dh 64 (qwen2), GQA 2 with Dh 128 (qwen3).
    /// </summary>
    public static readonly SyntheticShapeSpec[] Shapes =
    [
        new("conformance-llama", "llama", D: 256, F: 512, V: 512, H: 4, Hkv: 1, L: 2, RopeTheta: 10000f),
        new("conformance-qwen2", "qwen2", D: 256, F: 512, V: 512, H: 4, Hkv: 2, L: 2, RopeTheta: 1000000f),
        new("conformance-qwen3", "qwen3", D: 256, F: 512, V: 512, H: 2, Hkv: 1, L: 2, RopeTheta: 1000000f),
    ];

    private static readonly (string File, string Label, DType Main)[] StoriesFiles =
    [
        ("stories260K-F32.gguf", "f32", DType.F32),
        ("stories260K-F16.gguf", "f16", DType.F16),
        ("stories260K-BF16.gguf", "bf16", DType.BF16),
        ("stories260K-Q4_K_M-mixed.gguf", "q4_K_M-mixed", DType.Q4_K),
        ("stories260K-Q6_K-mixed.gguf", "q6_K-mixed", DType.Q6_K),
    ];

    // BOS, then byte tokens of "Once" (byte b is token 3 + b in the synthetic vocabulary; any ids < 512 do for stories).
    private static readonly int[] Prompt = [1, 3 + 'O', 3 + 'n', 3 + 'c', 3 + 'e'];

    public static IEnumerable<ModelFixture> All(IDevice device, ConformanceOptions options, List<SkipNote> skipped)
    {
        bool f16Kv = device.Supports(BackendOp.PagedAttention, DType.F16) && device.Supports(BackendOp.ScatterRows, DType.F16);
        string? testData = FindTestData(options.TestDataDirectory);
        string? stories = testData is null ? null : Path.Combine(testData, "stories260k");
        if (stories is null || !Directory.Exists(stories))
            skipped.Add(new SkipNote("model stories260K", "../shared/testdata/stories260k not found (set MERIDIAN_TESTDATA to the testdata folder)"));
        else
        {
            foreach (var (file, label, main) in StoriesFiles)
            {
                string path = Path.Combine(stories, file);
                if (!options.IncludesType(main))
                    continue;
                if (!File.Exists(path))
                {
                    skipped.Add(new SkipNote($"model stories260K {label}", $"{path} is absent"));
                    continue;
                }
                yield return new ModelFixture("stories260K", label, main, () => path, [1], DType.F32);
                if (f16Kv && main == DType.F32)
                    yield return new ModelFixture("stories260K", label, main, () => path, [1], DType.F16);
            }
        }

        string cache = options.ModelCacheDirectory ?? Path.Combine(Path.GetTempPath(), "meridian-conformance");
        foreach (var shape in Shapes)
        {
            foreach (var type in DeviceDescription.CandidateTypes)
            {
                if (!options.IncludesType(type) || !device.Supports(BackendOp.MatMul, type))
                    continue;
                if (!QuantCodecs.CanQuantize(type))
                {
                    if (shape == Shapes[0])
                        skipped.Add(new SkipNote($"synthetic models in {type.Name()}", "Core has no encoder for this dtype, so no model can be written in it (matmul on it is checked at the op level)"));
                    continue;
                }
                var captured = (shape, type);
                yield return new ModelFixture($"synthetic {shape.Arch}", type.Name(), type, () => Synthetic(cache, captured.shape, captured.type), Prompt, DType.F32);
                if (f16Kv && type == DType.F32)
                    yield return new ModelFixture($"synthetic {shape.Arch}", type.Name(), type, () => Synthetic(cache, captured.shape, captured.type), Prompt, DType.F16);
            }
        }
    }

    // The shape in the type, every matrix in it (--pure), written once per cache folder (the writer is deterministic).
    private static string Synthetic(string cache, SyntheticShapeSpec shape, DType type)
    {
        string path = Path.Combine(cache, $"{shape.Name}-{type.Name()}-v1.gguf");
        if (File.Exists(path))
            return path;
        Directory.CreateDirectory(cache);
        // A private name first, then a move: two runs writing the same model at once both end with a whole file.
        string temp = Path.Combine(cache, $"{Guid.NewGuid():N}.gguf");
        SyntheticModels.Write(temp, shape, type.Name(), pure: true, seed: 14);
        File.Move(temp, path, overwrite: true);
        return path;
    }

    /// <summary>The testdata folder: <paramref name="configured"/>, MERIDIAN_TESTDATA, or shared/testdata above the program or the current directory.</summary>
    public static string? FindTestData(string? configured)
    {
        if (!string.IsNullOrEmpty(configured))
            return Directory.Exists(configured) ? configured : null;
        string? env = Environment.GetEnvironmentVariable("MERIDIAN_TESTDATA");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env))
            return env;
        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            {
                foreach (string candidate in new[] { Path.Combine(dir.FullName, "shared", "testdata"), Path.Combine(dir.FullName, "..", "shared", "testdata") })
                {
                    if (Directory.Exists(candidate))
                        return Path.GetFullPath(candidate);
                }
            }
        }
        return null;
    }
}
