// Seeded fuzzing of every reader on mutated copies of the real files in ../shared/testdata:
// whatever the bytes, only Meridian's typed exceptions may escape, with bounded allocation.
using System.Diagnostics;
using Meridian.Core.Quant;
using Meridian.Core.Tensors;
using Meridian.Core;
using Meridian.Formats.Gguf;
using Meridian.Formats.HuggingFace;
using Meridian.Formats.Inspection;
using Meridian.Formats.Llama2C;
using Meridian.Formats.Safetensors;
using Meridian.Tests.Shared;
using Xunit.Abstractions;

namespace Meridian.Formats.Tests.Fuzz;

public class ModelFileFuzzTests(ITestOutputHelper output)
{
    // At least 10,000 cases per run (the bar); MERIDIAN_FUZZ_CASES / _SEED override.
    private const int DefaultCases = 10_000;
    private const int DefaultSeed = 20261129;

    // A case that takes this long is reported as a (near-)hang.
    private static readonly TimeSpan SlowCase = TimeSpan.FromSeconds(5);

    // Allocation allowed per case: twice what reading the unmutated file takes plus a multiple
    // of the file's length. A parser may build what the bytes could really hold (a mutated count
    // turns the rest of the file into many small strings), never what a hostile header claims.
    private const long AllocationSlack = 4L << 20;
    private const long AllocationPerFileByte = 16;

    private enum Kind { Gguf, Safetensors, Llama2C, Tokenizer, HfConfig }

    private static readonly (string Relative, Kind Kind)[] Seeds =
    [
        ("stories260k/stories260K-F32.gguf", Kind.Gguf),
        ("stories260k/stories260K-F16.gguf", Kind.Gguf),
        ("stories260k/stories260K-BF16.gguf", Kind.Gguf),
        ("stories260k/stories260K-Q4_K_M-mixed.gguf", Kind.Gguf),
        ("stories260k/stories260K-Q6_K-mixed.gguf", Kind.Gguf),
        ("stories260k/stories260K-F32.gguf-v1.gguf", Kind.Gguf),
        ("stories260k/qwen2arch/stories260K-qwen2arch-F32.gguf", Kind.Gguf),
        ("tiny-random-llama2/llama-2-tiny-random.gguf", Kind.Gguf),
        ("vocab/ggml-vocab-gpt-2.gguf", Kind.Gguf),
        ("stories260k/hf/model.safetensors", Kind.Safetensors),
        ("stories260k/qwen2arch/hf/model.safetensors", Kind.Safetensors),
        ("stories260k/stories260K.bin", Kind.Llama2C),
        ("stories260k/stories260K.v1-export.bin", Kind.Llama2C),
        ("stories260k/tok512.bin", Kind.Tokenizer),
        ("stories260k/hf/config.json", Kind.HfConfig),
        ("stories260k/qwen2arch/hf/config.json", Kind.HfConfig),
    ];

    [SkippableFact]
    public void AllReaders_MutatedRealFiles_OnlyTypedExceptionsEscape()
    {
        Skip.If(TestData.RootOrNull is null, "../shared/testdata not found; the fuzz test mutates its real files");
        int cases = EnvInt("MERIDIAN_FUZZ_CASES", DefaultCases);
        int seed = EnvInt("MERIDIAN_FUZZ_SEED", DefaultSeed);
        output.WriteLine($"fuzz: {cases} cases, seed {seed} (set MERIDIAN_FUZZ_SEED / MERIDIAN_FUZZ_CASES to change)");

        var seeds = Seeds
            .Select(s => (s.Relative, s.Kind, Path: Path.Combine(TestData.RootOrNull!, s.Relative)))
            .Where(s => File.Exists(s.Path))
            .Select(s => (s.Relative, s.Kind, Bytes: File.ReadAllBytes(s.Path), Header: HeaderLength(s.Path, s.Kind),
                          Budget: 2 * BaselineAllocation(s.Kind, s.Path) + AllocationSlack + AllocationPerFileByte * new FileInfo(s.Path).Length))
            .ToArray();
        Skip.If(seeds.Length == 0, "none of the fuzz seed files is in ../shared/testdata");

        using var temp = new TempDir();
        // The HF-directory target pairs a mutated config.json with the real weights.
        string hfDir = Path.Combine(temp.Path, "hf");
        Directory.CreateDirectory(hfDir);
        string hfWeights = Path.Combine(TestData.RootOrNull!, "stories260k/hf/model.safetensors");
        if (File.Exists(hfWeights))
            File.Copy(hfWeights, Path.Combine(hfDir, "model.safetensors"));

        var failures = new List<string>();
        var rejected = new Dictionary<string, int>();
        var accepted = new Dictionary<string, int>();
        double worstAllocationShare = 0;
        for (int i = 0; i < cases; i++)
        {
            var s = seeds[i % seeds.Length];
            var rng = new Random(HashCode.Combine(seed, i));
            var (bytes, description) = FileMutator.Mutate(s.Bytes, s.Header, rng);
            string path = s.Kind == Kind.HfConfig ? Path.Combine(hfDir, "config.json")
                : Path.Combine(temp.Path, $"case{Path.GetExtension(s.Relative)}");
            File.WriteAllBytes(path, bytes);

            string label = $"case {i} (seed {seed}) {s.Relative}: {description}";
            long allocBefore = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            try
            {
                Exercise(s.Kind, s.Kind == Kind.HfConfig ? hfDir : path);
                accepted[s.Relative] = accepted.GetValueOrDefault(s.Relative) + 1;
            }
            catch (MeridianException)
            {
                rejected[s.Relative] = rejected.GetValueOrDefault(s.Relative) + 1;
            }
            catch (Exception ex)
            {
                failures.Add($"{label}: {ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}");
            }
            clock.Stop();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - allocBefore;
            worstAllocationShare = Math.Max(worstAllocationShare, (double)allocated / s.Budget);
            if (allocated > s.Budget)
                failures.Add($"{label}: allocated {allocated} bytes, budget {s.Budget}");
            if (clock.Elapsed > SlowCase)
                failures.Add($"{label}: took {clock.Elapsed.TotalSeconds:F1} s");
        }

        foreach (var s in seeds)
            output.WriteLine($"{s.Relative}: {accepted.GetValueOrDefault(s.Relative)} read, {rejected.GetValueOrDefault(s.Relative)} refused with a typed error");
        output.WriteLine($"largest allocation: {worstAllocationShare:P0} of its budget");
        Assert.True(failures.Count == 0,
            $"{failures.Count} of {cases} cases failed; first ones:\n" + string.Join("\n\n", failures.Take(5)));
        // The mutations must actually reach the parsers' error paths, or the test proves nothing.
        Assert.True(rejected.Values.Sum() > cases / 10, $"only {rejected.Values.Sum()} of {cases} mutated files were refused");
    }

    private static long BaselineAllocation(Kind kind, string path)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        if (kind == Kind.HfConfig)
            HfConfig.Load(path);
        else
            Exercise(kind, path);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    // Everything a loader would do with the file: inspect it, then touch every tensor's bytes and
    // decode the first block of each.
    private static void Exercise(Kind kind, string path)
    {
        switch (kind)
        {
            case Kind.Gguf:
            {
                ModelInspector.Inspect(path);
                using var gguf = GgufFile.Open(path);
                foreach (var entry in gguf.Metadata)
                    _ = entry.Value.ToString();
                foreach (var t in gguf.Tensors)
                    DecodeFirstBlock(t.Type, gguf.GetTensorData(t));
                break;
            }
            case Kind.Safetensors:
            {
                ModelInspector.Inspect(path);
                using var file = SafetensorsFile.Open(path);
                foreach (var t in file.Tensors)
                {
                    var data = file.GetTensorData(t);
                    if (t.DType.TryToDType(out DType type))
                        DecodeFirstBlock(type, data);
                }
                break;
            }
            case Kind.Llama2C:
            {
                ModelInspector.Inspect(path);
                using var ckpt = Llama2CCheckpoint.Open(path);
                foreach (var t in ckpt.Tensors)
                {
                    var floats = ckpt.GetTensorFloats(t.Name);
                    if (floats.Length > 0) _ = floats[0] + floats[^1];
                }
                break;
            }
            case Kind.Tokenizer:
                Llama2CTokenizer.Load(path);
                Llama2CTokenizer.Load(path, 512);
                break;
            case Kind.HfConfig:
                HfConfig.Load(Path.Combine(path, "config.json"));
                ModelInspector.Inspect(path);
                break;
        }
    }

    private static void DecodeFirstBlock(DType type, ReadOnlySpan<byte> data)
    {
        var info = type.Info();
        if (info.IsRemoved || data.Length < info.TypeSize)
            return;
        var block = new float[info.BlockSize];
        // Unsupported types throw UnsupportedDTypeException, which is one of ours.
        QuantCodecs.DequantizeReference(type, data[..info.TypeSize], block);
    }

    // Where the parser's decisions live: GGUF up to the tensor data, safetensors up to the end of
    // its JSON header, llama2.c its fixed header, small files entirely.
    private static int HeaderLength(string path, Kind kind)
    {
        switch (kind)
        {
            case Kind.Gguf:
                using (var gguf = GgufFile.Open(path))
                    return (int)Math.Min(gguf.DataOffset, int.MaxValue);
            case Kind.Safetensors:
                using (var st = SafetensorsFile.Open(path))
                    return (int)Math.Min(st.DataStart, int.MaxValue);
            case Kind.Llama2C:
                return 256;
            default:
                return (int)new FileInfo(path).Length;
        }
    }

    private static int EnvInt(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out int v) && v > 0 ? v : fallback;
}
