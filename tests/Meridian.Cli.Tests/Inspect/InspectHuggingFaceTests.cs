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
