// Model directories: single file, sharded (written by our sharded writer, index checked against
// text written out by hand), and hostile indexes.
using Meridian.Formats.Safetensors;
using Meridian.Tests.Shared;

namespace Meridian.Formats.Tests.Safetensors;

public class SafetensorsModelTests
{
    private static byte[] Pattern(int length, int seed) =>
        Enumerable.Range(0, length).Select(i => (byte)(i * 7 + seed)).ToArray();

    [SkippableFact]
    public void Open_Stories260kDir_ExposesTheSingleFile()
    {
        string dir = TestData.Require("stories260k/hf");
        using var model = SafetensorsModel.Open(dir);
        Assert.Single(model.Files);
        Assert.Equal(47, model.TensorCount);
        Assert.Equal([64L], model.GetTensor("model.norm.weight").Shape);
        Assert.Equal(256, model.GetTensorData("model.norm.weight").Length); // 64 f32
    }

    [Fact]
    public void ShardedWrite_ThenOpen_SplitsLikeHuggingFaceAndRoundTrips()
    {
        using var dir = new TempDir();
        var tensors = new (string Name, int Bytes)[] { ("a", 16), ("b", 16), ("big", 48), ("c", 16), ("d", 16), ("e", 16) };
        var writer = new SafetensorsShardedWriter(maxShardBytes: 40);
        writer.AddMetadata("format", "pt");
        foreach (var (name, bytes) in tensors)
            writer.AddTensor(name, SafetensorsDType.F32, [bytes / 4], Pattern(bytes, name[0]));
        var written = writer.Write(dir.Path);

        // Greedy rule, limit 40: a+b = 32; big (48 > 40) gets its own shard, emitted at once;
        // c tips a+b over, so [a,b] closes; c+d = 32; e tips over; [e] last.
        // Shards: [big], [a,b], [c,d], [e].
        Assert.Equal(
            ["model-00001-of-00004.safetensors", "model-00002-of-00004.safetensors", "model-00003-of-00004.safetensors",
             "model-00004-of-00004.safetensors", "model.safetensors.index.json"],
            written);
        string expectedIndex = """
            {
              "metadata": {
                "total_size": 128
              },
              "weight_map": {
                "a": "model-00002-of-00004.safetensors",
                "b": "model-00002-of-00004.safetensors",
                "big": "model-00001-of-00004.safetensors",
                "c": "model-00003-of-00004.safetensors",
                "d": "model-00003-of-00004.safetensors",
                "e": "model-00004-of-00004.safetensors"
              }
            }

            """.Replace("\r\n", "\n");
        Assert.Equal(expectedIndex, File.ReadAllText(dir.File("model.safetensors.index.json")));

        using var model = SafetensorsModel.Open(dir.Path);
        Assert.Equal(4, model.Files.Count);
        Assert.Equal(6, model.TensorCount);
        foreach (var (name, bytes) in tensors)
            Assert.Equal(Pattern(bytes, name[0]), model.GetTensorData(name).ToArray());
        Assert.All(model.Files, f => Assert.Equal("pt", f.Metadata["format"]));
        Assert.Equal(["big"], model.GetFile("big").Tensors.Select(t => t.Name));
    }

    [Fact]
    public void ShardedWrite_AllFitInOneShard_WritesPlainModelFile()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("model.safetensors.index.json"), "stale");
        var writer = new SafetensorsShardedWriter(maxShardBytes: 1 << 20);
        writer.AddTensor("w", SafetensorsDType.BF16, [2, 2], Pattern(8, 3));
        Assert.Equal(["model.safetensors"], writer.Write(dir.Path));
        Assert.False(File.Exists(dir.File("model.safetensors.index.json")));
        using var model = SafetensorsModel.Open(dir.Path);
        Assert.Equal(Pattern(8, 3), model.GetTensorData("w").ToArray());
    }

    /// <summary>A valid shard holding "w" (U8 [1]) plus an index whose weight_map is <paramref name="weightMapJson"/>.</summary>
    private static void WriteShardAndIndex(TempDir dir, string weightMapJson)
    {
        var shard = new SafetensorsWriter();
        shard.AddTensor("w", SafetensorsDType.U8, [1], new byte[] { 1 });
        shard.Write(dir.File("model-00001-of-00001.safetensors"));
        File.WriteAllText(dir.File("model.safetensors.index.json"), $$"""{"metadata":{"total_size":1},"weight_map":{{weightMapJson}}}""");
    }

    [Fact]
    public void Open_EmptyDirectory_SaysWhatIsMissing()
    {
        using var dir = new TempDir();
        var ex = Assert.Throws<SafetensorsFormatException>(() => SafetensorsModel.Open(dir.Path));
        Assert.Contains("neither model.safetensors nor model.safetensors.index.json", ex.Message);
    }

    [Fact]
    public void Open_MissingShard_NamesShardAndTensor()
    {
        using var dir = new TempDir();
        WriteShardAndIndex(dir, """{"w":"model-00001-of-00001.safetensors","v":"model-00002-of-00002.safetensors"}""");
        var ex = Assert.Throws<SafetensorsFormatException>(() => SafetensorsModel.Open(dir.Path));
        Assert.Contains("model-00002-of-00002.safetensors is missing", ex.Message);
        Assert.Equal("v", ex.TensorName);
    }

    [Fact]
    public void Open_TensorAbsentFromItsShard_IsRefused()
    {
        using var dir = new TempDir();
        WriteShardAndIndex(dir, """{"w":"model-00001-of-00001.safetensors","ghost":"model-00001-of-00001.safetensors"}""");
        var ex = Assert.Throws<SafetensorsFormatException>(() => SafetensorsModel.Open(dir.Path));
        Assert.Contains("has no such tensor", ex.Message);
        Assert.Equal("ghost", ex.TensorName);
    }

    [Theory]
    [InlineData("../model-00001-of-00001.safetensors")]
    [InlineData("/etc/passwd")]
    [InlineData("sub/../../x.safetensors")]
    [InlineData("")]
    public void Open_ShardOutsideDirectory_IsRefused(string shard)
    {
        using var dir = new TempDir();
        WriteShardAndIndex(dir, $$"""{"w":"{{shard}}"}""");
        var ex = Assert.Throws<SafetensorsFormatException>(() => SafetensorsModel.Open(dir.Path));
        Assert.Contains("is not a file inside", ex.Message);
        Assert.Equal("w", ex.TensorName);
    }

    [Theory]
    [InlineData("""{"w":3}""", "must be a file name string")]
    [InlineData("""[1]""", "no 'weight_map' object")]
    public void Open_MalformedWeightMap_IsRefused(string weightMap, string expected)
    {
        using var dir = new TempDir();
        WriteShardAndIndex(dir, weightMap);
        var ex = Assert.Throws<SafetensorsFormatException>(() => SafetensorsModel.Open(dir.Path));
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void Open_IndexNotJson_IsRefused()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("model.safetensors.index.json"), "{\"weight_map\": ");
        var ex = Assert.Throws<SafetensorsFormatException>(() => SafetensorsModel.Open(dir.Path));
        Assert.Contains("not valid JSON", ex.Message);
    }

    [Fact]
    public void Open_CorruptShard_ReportsTheShardFile()
    {
        using var dir = new TempDir();
        WriteShardAndIndex(dir, """{"w":"model-00001-of-00001.safetensors"}""");
        File.WriteAllBytes(dir.File("model-00001-of-00001.safetensors"), [255, 255, 255, 255, 255, 255, 255, 255]);
        var ex = Assert.Throws<SafetensorsFormatException>(() => SafetensorsModel.Open(dir.Path));
        Assert.EndsWith("model-00001-of-00001.safetensors", ex.FilePath);
    }
}
