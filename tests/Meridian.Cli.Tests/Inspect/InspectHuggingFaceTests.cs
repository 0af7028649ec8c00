// `meridian inspect` on Hugging Face directories and bare safetensors files, checked against
// config.json and the safetensors header read here with JsonDocument (u64 length + JSON).
using System.Text.Json;
using Meridian.Tests.Shared;

namespace Meridian.Cli.Tests.Inspect;

public class InspectHuggingFaceTests
{
    public static TheoryData<string> HfDirectories() => new("stories260k/hf", "stories260k/qwen2arch/hf");

    [SkippableTheory]
    [MemberData(nameof(HfDirectories))]
    public void InspectJson_HfDirectory_HyperparametersEqualConfigJson(string relative)
    {
        string dir = TestData.Require(relative);
        JsonElement ours = CliRunner.InspectJson(dir);
        using var config = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, "config.json")));
        JsonElement c = config.RootElement;
        double? Stated(string key) => c.TryGetProperty(key, out var v) ? v.GetDouble() : null;

        Assert.Equal("safetensors", ours.Str("format"));
        Assert.Null(ours.Int("version"));
        Assert.Equal(dir, ours.Str("path"));
        Assert.Equal(Path.GetFileName(dir), ours.Str("name"));
        Assert.Equal(c.GetProperty("model_type").GetString(), ours.Str("architecture"));
        (string Field, string ConfigKey)[] fields =
        [
            ("context_length", "max_position_embeddings"), ("embedding_length", "hidden_size"),
            ("block_count", "num_hidden_layers"), ("head_count", "num_attention_heads"),
            ("head_count_kv", "num_key_value_heads"), ("feed_forward_length", "intermediate_size"),
            ("key_length", "head_dim"), ("vocab_size", "vocab_size"), ("rms_norm_eps", "rms_norm_eps"),
            ("rope_freq_base", "rope_theta"),
        ];
        foreach (var (field, key) in fields)
            Assert.True(Stated(key) == ours.Real(field), $"{field}: config.json {key} = {Stated(key)}, inspect {ours.Real(field)}");
        Assert.False(c.TryGetProperty("rope_scaling", out _)); // the fixtures have none, so:
        Assert.Null(ours.Str("rope_scaling_type"));
        Assert.Null(ours.Real("rope_scaling_factor"));
        // No tokenizer.json / tokenizer_config.json beside these weights.
        Assert.False(File.Exists(Path.Combine(dir, "tokenizer.json")));
        Assert.Equal(JsonValueKind.Null, ours.Field("tokenizer").ValueKind);
        Assert.Equal(new FileInfo(Path.Combine(dir, "model.safetensors")).Length, ours.Int("file_size"));

        AssertTensorsEqualHeader(Path.Combine(dir, "model.safetensors"), ours);
    }

    [SkippableTheory]
    [MemberData(nameof(HfDirectories))]
    public void InspectJson_BareSafetensorsFile_TensorsEqualHeaderAndNoConfigFields(string relative)
    {
        string file = Path.Combine(TestData.Require(relative), "model.safetensors");
        JsonElement ours = CliRunner.InspectJson(file);

        Assert.Equal("safetensors", ours.Str("format"));
        Assert.Equal(new FileInfo(file).Length, ours.Int("file_size"));
        // A lone file has no config.json to state hyperparameters.
        foreach (string field in new[] { "architecture", "name", "context_length", "embedding_length", "block_count", "vocab_size", "tokenizer" })
            Assert.Equal(JsonValueKind.Null, ours.Field(field).ValueKind);
        AssertTensorsEqualHeader(file, ours);
    }

    [Fact]
    public void InspectJson_ShardedHfDirectory_TensorsNameTheirShardAndSizesAddUp()
    {
        using var dir = new TempDir();
        // Two shards: a.weight [4,2] f32 (32 bytes) and b.weight [3] f32 (12) in the first, c.weight [2,2] f32 (16) in the second.
        string first = "model-00001-of-00002.safetensors", second = "model-00002-of-00002.safetensors";
        WriteSafetensors(dir.File(first), ("a.weight", [4, 2]), ("b.weight", [3]));
        WriteSafetensors(dir.File(second), ("c.weight", [2, 2]));
        File.WriteAllText(dir.File("model.safetensors.index.json"), JsonSerializer.Serialize(new
        {
            metadata = new { total_size = 60 },
            weight_map = new Dictionary<string, string> { ["a.weight"] = first, ["b.weight"] = first, ["c.weight"] = second },
        }));
        File.WriteAllText(dir.File("config.json"), MinimalConfig);

        JsonElement ours = CliRunner.InspectJson(dir.Path);

        Assert.Equal(new FileInfo(dir.File(first)).Length + new FileInfo(dir.File(second)).Length, ours.Int("file_size"));
        Assert.Equal(3, ours.Int("tensor_count"));
        Assert.Equal(32 + 12 + 16, ours.Int("tensor_bytes"));
        var byName = ours.Tensors().ToDictionary(t => t.Str("name")!);
        Assert.Equal(first, byName["a.weight"].Str("file"));
        Assert.Equal(first, byName["b.weight"].Str("file"));
        Assert.Equal(second, byName["c.weight"].Str("file"));
        // Offsets are within each shard: its data starts after 8 + its header length.
        Assert.Equal(8 + HeaderLength(dir.File(first)), byName["a.weight"].Int("offset"));
        Assert.Equal(8 + HeaderLength(dir.File(first)) + 32, byName["b.weight"].Int("offset"));
        Assert.Equal(8 + HeaderLength(dir.File(second)), byName["c.weight"].Int("offset"));
    }

    [Fact]
    public void InspectJson_HfConfigOmittingOptionalKeys_ReportsThemAsNull()
    {
        using var dir = new TempDir();
        WriteSafetensors(dir.File("model.safetensors"), ("a.weight", [4, 2]));
        File.WriteAllText(dir.File("config.json"), MinimalConfig);

        JsonElement ours = CliRunner.InspectJson(dir.Path);

        // docs/cli.md: "a key whose value the file does not state is present with null".
        foreach (string field in new[] { "head_count_kv", "key_length", "rms_norm_eps", "rope_freq_base", "context_length", "rope_scaling_type" })
            Assert.True(ours.Field(field).ValueKind == JsonValueKind.Null, $"{field} is {ours.Field(field).GetRawText()}, but config.json does not state it");
        Assert.Equal(4, ours.Int("embedding_length"));
        Assert.Equal(2, ours.Int("head_count"));
        Assert.Equal(8, ours.Int("feed_forward_length"));
    }

    [Theory]
    [InlineData("\"rope_theta\": 500000.0, \"num_key_value_heads\": 1")]
    [InlineData("\"rope_parameters\": {\"rope_type\": \"default\", \"rope_theta\": 500000.0}, \"num_key_value_heads\": 1")]
    public void InspectJson_HfConfigStatingThetaAndKvHeads_ReportsThem(string keys)
    {
        using var dir = new TempDir();
        WriteSafetensors(dir.File("model.safetensors"), ("a.weight", [4, 2]));
        File.WriteAllText(dir.File("config.json"), MinimalConfig[..^1] + ", " + keys + "}");

        JsonElement ours = CliRunner.InspectJson(dir.Path);

        Assert.Equal(500000.0, ours.Real("rope_freq_base"));
        Assert.Equal(1, ours.Int("head_count_kv"));
    }

    // Only the keys HfConfig requires.
    private const string MinimalConfig =
        """{"model_type": "llama", "hidden_size": 4, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 8, "vocab_size": 3}""";

    private static void WriteSafetensors(string path, params (string Name, long[] Shape)[] tensors)
    {
        var header = new Dictionary<string, object>();
        long offset = 0;
        foreach (var (name, shape) in tensors)
        {
            long bytes = shape.Aggregate(4L, (p, d) => p * d); // F32
            header[name] = new { dtype = "F32", shape, data_offsets = new[] { offset, offset + bytes } };
            offset += bytes;
        }
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(header);
        using var w = new BinaryWriter(File.Create(path));
        w.Write((ulong)json.Length);
        w.Write(json);
        w.Write(new byte[offset]);
    }

    private static long HeaderLength(string path)
    {
        using var r = new BinaryReader(File.OpenRead(path));
        return checked((long)r.ReadUInt64());
    }

    // safetensors: u64 little-endian header length, then a JSON object of
    // name -> { dtype, shape, data_offsets: [begin, end) relative to the data after the header },
    // plus an optional "__metadata__" string map.
    private static void AssertTensorsEqualHeader(string file, JsonElement ours)
    {
        using var r = new BinaryReader(File.OpenRead(file));
        long headerLength = checked((long)r.ReadUInt64());
        using var header = JsonDocument.Parse(r.ReadBytes(checked((int)headerLength)));
        long dataStart = 8 + headerLength;

        var expected = new Dictionary<string, (string Dtype, long[] Shape, long Offset, long Bytes)>();
        var expectedMetadata = new Dictionary<string, string>();
        foreach (var entry in header.RootElement.EnumerateObject())
        {
            if (entry.Name == "__metadata__")
            {
                foreach (var m in entry.Value.EnumerateObject())
                    expectedMetadata[m.Name] = m.Value.GetString()!;
                continue;
            }
            long begin = entry.Value.GetProperty("data_offsets")[0].GetInt64(), end = entry.Value.GetProperty("data_offsets")[1].GetInt64();
            expected[entry.Name] = (entry.Value.GetProperty("dtype").GetString()!,
                entry.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray(), dataStart + begin, end - begin);
        }

        var tensors = ours.Tensors();
        Assert.Equal(expected.Count, (int)ours.Int("tensor_count")!);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), tensors.Select(t => t.Str("name")!).Order(StringComparer.Ordinal));
        foreach (var t in tensors)
        {
            var e = expected[t.Str("name")!];
            Assert.Equal(e.Dtype, t.Str("dtype"));
            Assert.Equal(e.Shape, t.Shape());
            Assert.Equal(e.Offset, t.Int("offset"));
            Assert.Equal(e.Bytes, t.Int("bytes"));
            Assert.Null(t.Str("file"));
        }
        // docs/cli.md: tensors in file order, i.e. by position of their data.
        var offsets = tensors.Select(t => t.Int("offset")!.Value).ToList();
        Assert.Equal(offsets.Order(), offsets);
        Assert.Equal(expected.Values.Sum(e => e.Bytes), ours.Int("tensor_bytes"));

        var metadata = ours.Field("metadata").EnumerateArray().ToDictionary(m => m.Str("key")!, m => (m.Str("type"), m.Str("value")));
        Assert.Equal(expectedMetadata.ToDictionary(kv => kv.Key, kv => ((string?)"string", (string?)kv.Value)), metadata);
    }
}
