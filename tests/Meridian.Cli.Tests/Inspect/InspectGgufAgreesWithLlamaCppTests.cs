// `meridian inspect FILE --json` on every GGUF fixture, checked against two readers that share no
// code with Meridian: llama.cpp through LLamaSharp (hyperparameters, vocabulary, every scalar
// metadata value as llama.cpp prints it) and a spec-written header parse (tensor list, key order).
using System.Globalization;
using System.Text.Json;
using LLama.Exceptions;
using LLama.Native;
using Meridian.Tests.Shared;

namespace Meridian.Cli.Tests.Inspect;

public class InspectGgufAgreesWithLlamaCppTests
{
    // llama.cpp prints floats with std::to_string, i.e. "%f": six decimals, so it is exact to half
    // a unit in the sixth place (1e-05 -> "0.000010"); large values are exact float32 integers.
    private const double PercentFAbsTolerance = 0.5e-6 + 1e-12;
    private const double Float32RelTolerance = 1.2e-7; // float32 epsilon

    private const string V1File = "stories260k/stories260K-F32.gguf-v1.gguf";
    private const string V3File = "stories260k/stories260K-F32.gguf";
    private const string LegacyLlama2CFile = "stories260k/stories260K.bin";

    // The fixtures testdata/README.md lists, so the theories have rows (and skip) without testdata,
    // plus whatever other *.gguf a newer testdata holds.
    private static readonly string[] KnownGgufFiles =
    [
        "stories260k/stories260K-F32.gguf", "stories260k/stories260K-F16.gguf", "stories260k/stories260K-BF16.gguf",
        "stories260k/stories260K-Q4_K_M-mixed.gguf", "stories260k/stories260K-Q6_K-mixed.gguf", V1File,
        "stories260k/qwen2arch/stories260K-qwen2arch-F32.gguf", "tiny-random-llama2/llama-2-tiny-random.gguf",
        "vocab/ggml-vocab-llama-spm.gguf", "vocab/ggml-vocab-phi-3.gguf", "vocab/ggml-vocab-gpt-2.gguf",
        "vocab/ggml-vocab-qwen2.gguf", "vocab/ggml-vocab-llama-bpe.gguf",
    ];

    // inspect --json field -> GGUF key after "<arch>." (llama.cpp's LLM_KV names).
    private static readonly (string Field, string Key)[] NumericFields =
    [
        ("context_length", "context_length"), ("embedding_length", "embedding_length"), ("block_count", "block_count"),
        ("head_count", "attention.head_count"), ("head_count_kv", "attention.head_count_kv"),
        ("feed_forward_length", "feed_forward_length"), ("key_length", "attention.key_length"),
        ("rope_dimension_count", "rope.dimension_count"), ("rms_norm_eps", "attention.layer_norm_rms_epsilon"),
        ("rope_freq_base", "rope.freq_base"), ("rope_scaling_factor", "rope.scaling.factor"),
    ];

    public static TheoryData<string> AllGgufFiles() => new(GgufPaths());

    // llama.cpp no longer reads GGUF v1; that file has its own test below.
    public static TheoryData<string> GgufFilesLlamaCppReads() => new(GgufPaths().Where(f => f != V1File));

    private static SortedSet<string> GgufPaths()
    {
        var files = new SortedSet<string>(KnownGgufFiles, StringComparer.Ordinal);
        if (TestData.RootOrNull is { } root)
            foreach (string f in Directory.EnumerateFiles(root, "*.gguf", SearchOption.AllDirectories))
                files.Add(Path.GetRelativePath(root, f).Replace('\\', '/'));
        return files;
    }

    [SkippableTheory]
    [MemberData(nameof(GgufFilesLlamaCppReads))]
    public void InspectJson_GgufFile_HyperparametersAndVocabMatchLlamaCpp(string relative)
    {
        string path = TestData.Require(relative);
        JsonElement ours = CliRunner.InspectJson(path);
        var header = GgufHeaderReference.Read(path);
        // Vocab-only files have no tensors and need vocab_only; the others load fully, so llama.cpp's
        // parameter count and size can check the tensor list too.
        bool vocabOnly = header.Tensors.Count == 0;
        using var llama = LlamaCppReference.Load(path, vocabOnly);
        var meta = llama.Metadata;

        string arch = meta["general.architecture"];
        Assert.Equal(arch, ours.Str("architecture"));
        Assert.Equal(meta.GetValueOrDefault("general.name"), ours.Str("name"));

        // llama.cpp's own hparams (parsed by llama.cpp, not just echoed metadata). With vocab_only,
        // llama_model::load_hparams stops after the metadata and leaves these 0.
        if (!vocabOnly)
        {
            Assert.Equal((long)llama.ContextSize, ours.Int("context_length"));
            Assert.Equal((long)llama.EmbeddingSize, ours.Int("embedding_length"));
            Assert.Equal((long)llama.NativeHandle.LayerCount, ours.Int("block_count"));
            Assert.Equal((long)llama.NativeHandle.HeadCount, ours.Int("head_count"));
            // llama.cpp defaults n_head_kv to n_head when the file omits it; inspect reports null then,
            // as the file states nothing.
            Assert.Equal((long)llama.NativeHandle.KVHeadCount, ours.Int("head_count_kv") ?? ours.Int("head_count"));
        }
        Assert.Equal((long)llama.Vocab.Count, ours.Int("vocab_size"));

        // Hyperparameters llama.cpp exposes only as metadata text: absent there means null here.
        foreach (var (field, key) in NumericFields)
        {
            double? value = ours.Real(field);
            if (meta.TryGetValue($"{arch}.{key}", out string? text))
                AssertCloseToPrinted($"{field} ({arch}.{key})", text, value);
            else
                Assert.True(value is null, $"{field} is {value} but llama.cpp has no {arch}.{key}");
        }
        Assert.Equal(meta.GetValueOrDefault($"{arch}.rope.scaling.type"), ours.Str("rope_scaling_type"));

        JsonElement tok = ours.Field("tokenizer");
        Assert.Equal(meta["tokenizer.ggml.model"], tok.Str("model"));
        Assert.Equal(tok.Str("model") switch
        {
            "llama" => LLamaVocabType.SentencePiece,
            "gpt2" => LLamaVocabType.BytePairEncoding,
            var m => throw new Xunit.Sdk.XunitException($"fixture with tokenizer model {m}: add its llama.cpp vocab type here"),
        }, llama.Vocab.Type);
        Assert.Equal(meta.GetValueOrDefault("tokenizer.ggml.pre"), tok.Str("pre"));
        Assert.Equal((long)llama.Vocab.Count, tok.Int("token_count"));
        Assert.Equal((long?)(int?)llama.Vocab.BOS, tok.Int("bos_token_id"));
        Assert.Equal((long?)(int?)llama.Vocab.EOS, tok.Int("eos_token_id"));
        Assert.Equal(meta.ContainsKey("tokenizer.chat_template"), tok.Field("has_chat_template").GetBoolean());
        // llama.cpp keeps merges but does not expose their count; the header parse does.
        Assert.Equal(header.Metadata.FirstOrDefault(kv => kv.Key == "tokenizer.ggml.merges")?.ArrayLength, tok.Int("merge_count"));

        if (!vocabOnly)
        {
            // llama_model_n_params and llama_model_size sum ggml_nelements / ggml_nbytes over the loaded tensors.
            Assert.Equal((long)llama.ParameterCount, ours.Tensors().Sum(t => t.Shape().Aggregate(1L, (p, d) => p * d)));
            Assert.Equal((long)llama.SizeInBytes, ours.Int("tensor_bytes"));
        }
    }

    [SkippableTheory]
    [MemberData(nameof(GgufFilesLlamaCppReads))]
    public void InspectJson_GgufFile_EveryScalarMetadataValueMatchesLlamaCpp(string relative)
    {
        string path = TestData.Require(relative);
        JsonElement ours = CliRunner.InspectJson(path);
        using var llama = LlamaCppReference.Load(path, vocabOnly: true);
        var meta = llama.Metadata;

        // llama.cpp keeps every key/value except arrays as text (llama_model::load_hparams, gguf_kv_to_str).
        var scalars = ours.Field("metadata").EnumerateArray()
            .Where(m => !m.Str("type")!.StartsWith("array[", StringComparison.Ordinal))
            .ToList();
        Assert.Equal(meta.Count, scalars.Count);
        Assert.Equal(meta.Keys.Order(StringComparer.Ordinal), scalars.Select(m => m.Str("key")!).Order(StringComparer.Ordinal));

        foreach (var m in scalars)
        {
            string key = m.Str("key")!, type = m.Str("type")!, printed = meta[key];
            JsonElement value = m.Field("value");
            switch (type)
            {
                case "string":
                    Assert.Equal(printed, value.GetString());
                    break;
                case "bool":
                    Assert.Equal(printed, value.GetBoolean() ? "true" : "false");
                    break;
                case "float32" or "float64":
                    AssertCloseToPrinted(key, printed, value.GetDouble());
                    break;
                default: // integers print exactly
                    Assert.True(decimal.Parse(printed, CultureInfo.InvariantCulture) == value.GetDecimal(),
                        $"{key} ({type}): llama.cpp {printed}, inspect {value.GetRawText()}");
                    break;
            }
        }
    }

    [SkippableTheory]
    [MemberData(nameof(AllGgufFiles))]
    public void InspectJson_GgufFile_TensorsAndMetadataMatchIndependentHeaderParse(string relative)
    {
        string path = TestData.Require(relative);
        JsonElement ours = CliRunner.InspectJson(path);
        var header = GgufHeaderReference.Read(path);

        Assert.Equal("gguf", ours.Str("format"));
        Assert.Equal(header.Version, (uint)ours.Int("version")!);
        Assert.Equal(new FileInfo(path).Length, ours.Int("file_size"));

        // Tensors: in file order, each with its ggml type name, ne, absolute offset and size.
        var tensors = ours.Tensors();
        Assert.Equal(header.Tensors.Count, (int)ours.Int("tensor_count")!);
        Assert.Equal(header.Tensors.Select(t => t.Name), tensors.Select(t => t.Str("name")));
        foreach (var (expected, actual) in header.Tensors.Zip(tensors))
        {
            Assert.True(expected.Type == actual.Str("dtype"), $"{expected.Name}: dtype {actual.Str("dtype")}, header says {expected.Type}");
            Assert.Equal(expected.Ne, actual.Shape());
            Assert.Equal(expected.Offset, actual.Int("offset"));
            Assert.Equal(expected.Bytes, actual.Int("bytes"));
            Assert.Null(actual.Str("file"));
        }
        Assert.Equal(header.Tensors.Sum(t => t.Bytes), ours.Int("tensor_bytes"));
        var dtypes = header.Tensors.GroupBy(t => t.Type)
            .Select(g => (g.Key, (long)g.Count(), g.Sum(t => t.Bytes)))
            .OrderByDescending(d => d.Item3).ThenBy(d => d.Key, StringComparer.Ordinal);
        Assert.Equal(dtypes, ours.Field("dtypes").EnumerateArray().Select(d => (d.Str("dtype")!, d.Int("count")!.Value, d.Int("bytes")!.Value)));

        // Hyperparameters exactly as stored (llama.cpp's "%f" text above is coarser).
        string? arch = header.Metadata.FirstOrDefault(kv => kv.Key == "general.architecture")?.Value as string;
        Assert.Equal(arch, ours.Str("architecture"));
        foreach (var (field, key) in NumericFields)
        {
            object? stored = header.Metadata.FirstOrDefault(kv => kv.Key == $"{arch}.{key}")?.Value;
            double? actual = ours.Real(field);
            bool same = stored switch
            {
                null => actual is null,
                float f => (float?)actual == f, // the float32 must read back exactly, however it is printed
                _ => Convert.ToDouble(stored, CultureInfo.InvariantCulture) == actual,
            };
            Assert.True(same, $"{field}: header {arch}.{key} = {stored}, inspect {actual}");
        }

        // Metadata: every key in file order with its GGUF type; scalars exactly, arrays by length.
        var metadata = ours.Field("metadata").EnumerateArray().ToList();
        Assert.Equal(header.Metadata.Select(kv => (kv.Key, kv.Type)), metadata.Select(m => (m.Str("key")!, m.Str("type")!)));
        foreach (var (kv, m) in header.Metadata.Zip(metadata))
        {
            JsonElement value = m.Field("value");
            switch (kv.Value)
            {
                case null when kv.ArrayLength > 16: // docs/cli.md: longer arrays are summarised
                    Assert.Equal($"[{kv.ArrayLength} {kv.Type[6..^1]}s]", value.GetString());
                    break;
                case null:
                    Assert.Equal(kv.ArrayLength, value.GetArrayLength());
                    break;
                case string s:
                    Assert.Equal(s, value.GetString());
                    break;
                case bool b:
                    Assert.Equal(b, value.GetBoolean());
                    break;
                case float f: // printed as its shortest float32 form, so it reads back to the same float
                    Assert.Equal(f, (float)value.GetDouble());
                    break;
                case double d:
                    Assert.Equal(d, value.GetDouble());
                    break;
                default:
                    Assert.True(Convert.ToDecimal(kv.Value, CultureInfo.InvariantCulture) == value.GetDecimal(),
                        $"{kv.Key}: header {kv.Value}, inspect {value.GetRawText()}");
                    break;
            }
        }
    }

    [SkippableFact]
    public void InspectJson_GgufV1File_AgreesWithV3FileOfTheSameModel()
    {
        string v1 = TestData.Require(V1File);
        string v3 = TestData.Require(V3File);
        // llama.cpp dropped GGUF v1, so it cannot be the reference here; the v3 conversion of the same
        // weights (checked against llama.cpp above) stands in.
        Assert.Throws<LoadWeightsFailedException>(() => LlamaCppReference.TryLoad(v1, vocabOnly: true).Dispose());

        JsonElement old = CliRunner.InspectJson(v1), current = CliRunner.InspectJson(v3);
        Assert.Equal(1, old.Int("version"));
        Assert.Equal(3, current.Int("version"));
        foreach (string field in new[] { "architecture", "rope_scaling_type" })
            Assert.Equal(current.Str(field), old.Str(field));
        foreach (string field in new[] { "embedding_length", "block_count", "head_count", "head_count_kv", "feed_forward_length",
                     "key_length", "vocab_size", "rms_norm_eps", "rope_freq_base", "rope_dimension_count", "tensor_count", "tensor_bytes" })
            Assert.True(current.Real(field) == old.Real(field), $"{field}: v1 {old.Real(field)}, v3 {current.Real(field)}");
        foreach (string field in new[] { "model", "token_count", "bos_token_id", "eos_token_id" })
            Assert.Equal(current.Field("tokenizer").Field(field).GetRawText(), old.Field("tokenizer").Field(field).GetRawText());

        // Same tensors (the two converters order them differently).
        static SortedDictionary<string, string> ByName(JsonElement o) =>
            new(o.Tensors().ToDictionary(t => t.Str("name")!, t => $"{t.Str("dtype")} [{string.Join(",", t.Shape())}]"), StringComparer.Ordinal);
        Assert.Equal(ByName(current), ByName(old));

        // The one stated difference (testdata README): llama.cpp's converter wrote context 128; the
        // v1 file keeps the trained seq_len, which the llama2.c checkpoint header records (7th int32).
        Assert.Equal(128, current.Int("context_length"));
        using var r = new BinaryReader(File.OpenRead(TestData.Require(LegacyLlama2CFile)));
        r.BaseStream.Position = 6 * sizeof(int);
        Assert.Equal(r.ReadInt32(), old.Int("context_length"));
    }

    // |inspect - llama.cpp's "%f" text| within the print precision.
    private static void AssertCloseToPrinted(string what, string printed, double? actual)
    {
        Assert.True(actual is not null, $"{what}: llama.cpp says {printed}, inspect says null");
        double expected = double.Parse(printed, CultureInfo.InvariantCulture);
        double tolerance = PercentFAbsTolerance + Float32RelTolerance * Math.Abs(expected);
        Assert.True(Math.Abs(actual!.Value - expected) <= tolerance, $"{what}: llama.cpp says {printed}, inspect says {actual}");
    }
}
