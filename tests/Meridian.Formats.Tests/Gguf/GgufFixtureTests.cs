// Reads every third-party GGUF fixture and checks facts known independently: the llama2.c
// checkpoint and tokenizer the stories260K GGUFs were converted from, and header bytes parsed by hand.
using Meridian.Core.Tensors;
using Meridian.Formats.Gguf;
using Meridian.Tests.Shared;

namespace Meridian.Formats.Tests.Gguf;

public class GgufFixtureTests
{
    public static TheoryData<string> AllFixtures() =>
    [
        "stories260k/stories260K-F32.gguf", "stories260k/stories260K-F16.gguf", "stories260k/stories260K-BF16.gguf",
        "stories260k/stories260K-Q4_K_M-mixed.gguf", "stories260k/stories260K-Q6_K-mixed.gguf",
        "stories260k/stories260K-F32.gguf-v1.gguf", "stories260k/qwen2arch/stories260K-qwen2arch-F32.gguf",
        "vocab/ggml-vocab-llama-spm.gguf", "vocab/ggml-vocab-phi-3.gguf", "vocab/ggml-vocab-gpt-2.gguf",
        "vocab/ggml-vocab-qwen2.gguf", "vocab/ggml-vocab-llama-bpe.gguf", "tiny-random-llama2/llama-2-tiny-random.gguf",
    ];

    [SkippableTheory]
    [MemberData(nameof(AllFixtures))]
    public void Open_EveryFixture_HeaderMatchesHandParsedBytesAndTensorsLieInFile(string relative)
    {
        string path = TestData.Require(relative);
        using var gguf = GgufFile.Open(path);

        // Independent: the first 24 bytes by hand (v1 uses u32 counts).
        using var br = new BinaryReader(File.OpenRead(path));
        Assert.Equal("GGUF"u8.ToArray(), br.ReadBytes(4));
        uint version = br.ReadUInt32();
        ulong tensorCount = version == 1 ? br.ReadUInt32() : br.ReadUInt64();
        ulong kvCount = version == 1 ? br.ReadUInt32() : br.ReadUInt64();
        Assert.Equal(version, gguf.Version);
        Assert.Equal(tensorCount, (ulong)gguf.Tensors.Count);
        Assert.Equal(kvCount, (ulong)gguf.Metadata.Count);
        // The first key follows the counts; read its length and bytes by hand.
        ulong keyLength = version == 1 ? br.ReadUInt32() : br.ReadUInt64();
        Assert.Equal(gguf.Metadata[0].Key, System.Text.Encoding.UTF8.GetString(br.ReadBytes((int)keyLength)));

        Assert.Equal(0, gguf.DataOffset % gguf.Alignment);
        foreach (var t in gguf.Tensors)
        {
            Assert.Equal(t.ElementCount, t.Dimensions.Aggregate(1L, (a, b) => a * b));
            Assert.Equal(t.Type.ByteSize(t.ElementCount), t.ByteSize);
            Assert.True(gguf.DataOffset + t.Offset + t.ByteSize <= new FileInfo(path).Length, t.Name);
            Assert.Equal(t.ByteSize, gguf.GetTensorData(t).Length);
        }
    }

    [SkippableFact]
    public void Open_Stories260kF32_HyperparametersMatchLlama2cCheckpointHeader()
    {
        // stories260K.bin (llama2.c) starts with 7 int32: dim, hidden, layers, heads, kv heads, vocab, seq.
        using var br = new BinaryReader(File.OpenRead(TestData.Require("stories260k/stories260K.bin")));
        int[] cfg = Enumerable.Range(0, 7).Select(_ => br.ReadInt32()).ToArray();
        Assert.Equal([64, 172, 5, 8, 4, 512, 512], cfg);

        using var gguf = GgufFile.Open(TestData.Require("stories260k/stories260K-F32.gguf"));
        Assert.Equal(3u, gguf.Version);
        Assert.Equal("llama", gguf.Architecture);
        Assert.Equal(32u, gguf.Alignment);
        Assert.Equal((uint)cfg[0], gguf.GetUInt32("llama.embedding_length"));
        Assert.Equal((uint)cfg[1], gguf.GetUInt32("llama.feed_forward_length"));
        Assert.Equal((uint)cfg[2], gguf.GetUInt32("llama.block_count"));
        Assert.Equal((uint)cfg[3], gguf.GetUInt32("llama.attention.head_count"));
        Assert.Equal((uint)cfg[4], gguf.GetUInt32("llama.attention.head_count_kv"));
        Assert.Equal(128u, gguf.GetUInt32("llama.context_length")); // the converter's default, see testdata README
        Assert.Equal(cfg[5], gguf.GetStringArray("tokenizer.ggml.tokens").Count);
        Assert.Equal(cfg[5], gguf.GetFloat32Array("tokenizer.ggml.scores").Length);
        Assert.Equal(cfg[5], gguf.GetInt32Array("tokenizer.ggml.token_type").Length);
        // 9 per layer + token_embd, output_norm, output
        Assert.Equal(5 * 9 + 3, gguf.Tensors.Count);

        var embd = gguf.GetTensor("token_embd.weight");
        Assert.Equal(DType.F32, embd.Type);
        Assert.Equal([64L, 512L], embd.Dimensions);
    }

    [SkippableTheory]
    [InlineData("stories260k/stories260K-F32.gguf")]
    [InlineData("stories260k/stories260K-F32.gguf-v1.gguf")]
    public void GetTensorData_TokenEmbedding_EqualsLlama2cCheckpointBytes(string relative)
    {
        // llama2.c layout: 28-byte header, then token_embedding_table [vocab=512][dim=64] f32,
        // the same row-major bytes as GGUF token_embd.weight ne=[64, 512].
        byte[] bin = File.ReadAllBytes(TestData.Require("stories260k/stories260K.bin"));
        using var gguf = GgufFile.Open(TestData.Require(relative));
        var data = gguf.GetTensorData(gguf.GetTensor("token_embd.weight"));
        Assert.True(data.SequenceEqual(bin.AsSpan(28, 512 * 64 * 4)));
    }

    [SkippableFact]
    public void Open_V1File_ReadsSameVocabularyAsTok512()
    {
        // tok512.bin: int32 max_len, then per token: float score, int32 length, bytes.
        using var br = new BinaryReader(File.OpenRead(TestData.Require("stories260k/tok512.bin")));
        br.ReadInt32();
        var scores = new float[512];
        for (int i = 0; i < 512; i++)
        {
            scores[i] = br.ReadSingle();
            br.ReadBytes(br.ReadInt32());
        }
        using var v1 = GgufFile.Open(TestData.Require("stories260k/stories260K-F32.gguf-v1.gguf"));
        Assert.Equal(1u, v1.Version);
        Assert.Equal(48, v1.Tensors.Count);
        Assert.Equal(18, v1.Metadata.Count);
        Assert.Equal(512u, v1.GetUInt32("llama.context_length"));
        Assert.Equal(scores, v1.GetFloat32Array("tokenizer.ggml.scores"));
        Assert.Equal("<0x00>", v1.GetStringArray("tokenizer.ggml.tokens")[3]);
        Assert.Equal("tinyllamas-stories-260k", v1.GetString("general.name"));
    }

    [SkippableFact]
    public void Open_MixedQuantFile_HasTheMixOfTypesTheReadmeDescribes()
    {
        using var gguf = GgufFile.Open(TestData.Require("stories260k/stories260K-Q4_K_M-mixed.gguf"));
        var types = gguf.Tensors.Select(t => t.Type).ToHashSet();
        // 172-wide ffn rows cannot use 256-blocks, so llama-quantize falls back to 32-block types.
        Assert.Contains(DType.F32, types);
        Assert.DoesNotContain(DType.Q4_K, gguf.Tensors.Where(t => t.Dimensions[0] % 256 != 0).Select(t => t.Type));
        Assert.True(types.Count >= 3, string.Join(",", types));
    }

    [SkippableFact]
    public void Open_TinyRandomLlama2_HasFullLlama2Vocab()
    {
        using var gguf = GgufFile.Open(TestData.Require("tiny-random-llama2/llama-2-tiny-random.gguf"));
        var tokens = gguf.GetStringArray("tokenizer.ggml.tokens");
        Assert.Equal(32000, tokens.Count);
        // Llama 2's vocabulary: id 15043 is "▁Hello" and 3186 "▁world" (the reference prompt ids).
        Assert.Equal("\u2581Hello", tokens[15043]);
        Assert.Equal("\u2581world", tokens[3186]);
        Assert.Equal(8u, gguf.GetUInt32("llama.embedding_length"));
    }
}
