// `meridian inspect` on llama2.c checkpoints, checked against the header read here with
// BinaryReader and the weight layout of llama2.c run.c (legacy) and export.py (version 1):
// contiguous f32 tensors after the header, in the order those programs write them.
using System.Text.Json;
using Meridian.Tests.Shared;

namespace Meridian.Cli.Tests.Inspect;

public class InspectLlama2CTests
{
    private const int LegacyHeaderBytes = 7 * sizeof(int);
    private const int Version1HeaderBytes = 256;

    [SkippableFact]
    public void InspectJson_LegacyCheckpoint_MatchesHeaderAndRunCLayout()
    {
        string path = TestData.Require("stories260k/stories260K.bin");
        using var r = new BinaryReader(File.OpenRead(path));
        int[] h = Enumerable.Range(0, 7).Select(_ => r.ReadInt32()).ToArray();
        // dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size (negative: unshared classifier), seq_len
        var c = new Header(h[0], h[1], h[2], h[3], h[4], Math.Abs(h[5]), h[6], SharedClassifier: h[5] > 0);

        JsonElement ours = CliRunner.InspectJson(path);
        Assert.Equal(0, ours.Int("version"));
        AssertMatches(path, ours, c, LegacyHeaderBytes, legacy: true);
    }

    [SkippableFact]
    public void InspectJson_Version1Export_MatchesHeaderAndExportPyLayout()
    {
        string path = TestData.Require("stories260k/stories260K.v1-export.bin");
        using var r = new BinaryReader(File.OpenRead(path));
        Assert.Equal("ak42"u8.ToArray(), r.ReadBytes(4).Reverse().ToArray()); // magic 0x616b3432, little-endian
        Assert.Equal(1, r.ReadInt32());
        int[] h = Enumerable.Range(0, 7).Select(_ => r.ReadInt32()).ToArray();
        var c = new Header(h[0], h[1], h[2], h[3], h[4], h[5], h[6], SharedClassifier: r.ReadByte() != 0);

        JsonElement ours = CliRunner.InspectJson(path);
        Assert.Equal(1, ours.Int("version"));
        AssertMatches(path, ours, c, Version1HeaderBytes, legacy: false);
    }

    private sealed record Header(int Dim, int HiddenDim, int Layers, int Heads, int KvHeads, int Vocab, int SeqLen, bool SharedClassifier)
    {
        public int HeadSize => Dim / Heads;
    }

    private static void AssertMatches(string path, JsonElement ours, Header c, int headerBytes, bool legacy)
    {
        Assert.Equal("llama2c", ours.Str("format"));
        Assert.Equal("llama", ours.Str("architecture"));
        Assert.Equal(new FileInfo(path).Length, ours.Int("file_size"));
        Assert.Equal(c.SeqLen, ours.Int("context_length"));
        Assert.Equal(c.Dim, ours.Int("embedding_length"));
        Assert.Equal(c.Layers, ours.Int("block_count"));
        Assert.Equal(c.Heads, ours.Int("head_count"));
        Assert.Equal(c.KvHeads, ours.Int("head_count_kv"));
        Assert.Equal(c.HiddenDim, ours.Int("feed_forward_length"));
        Assert.Equal(c.Vocab, ours.Int("vocab_size"));
        Assert.Equal(c.HeadSize, ours.Int("key_length"));
        Assert.Equal(c.HeadSize, ours.Int("rope_dimension_count")); // run.c rotates the whole head

        // Weight shapes are PyTorch nn.Linear [out, in], per layer stacked outermost (llama2.c model.py).
        int L = c.Layers, D = c.Dim, F = c.HiddenDim, V = c.Vocab, Q = c.Heads * c.HeadSize, K = c.KvHeads * c.HeadSize;
        var shapes = new Dictionary<string, long[]>
        {
            ["token_embedding_table"] = [V, D], ["rms_att_weight"] = [L, D], ["rms_ffn_weight"] = [L, D], ["rms_final_weight"] = [D],
            ["wq"] = [L, Q, D], ["wk"] = [L, K, D], ["wv"] = [L, K, D], ["wo"] = [L, D, Q],
            ["w1"] = [L, F, D], ["w2"] = [L, D, F], ["w3"] = [L, F, D],
            ["freq_cis_real"] = [c.SeqLen, c.HeadSize / 2], ["freq_cis_imag"] = [c.SeqLen, c.HeadSize / 2], ["wcls"] = [V, D],
        };
        // run.c memory_map_weights (legacy, with the unused freq_cis tables) / export.py version1_export order.
        List<string> order = legacy
            ? ["token_embedding_table", "rms_att_weight", "wq", "wk", "wv", "wo", "rms_ffn_weight", "w1", "w2", "w3", "rms_final_weight", "freq_cis_real", "freq_cis_imag"]
            : ["rms_att_weight", "rms_ffn_weight", "rms_final_weight", "token_embedding_table", "wq", "wk", "wv", "wo", "w1", "w2", "w3"];
        if (!c.SharedClassifier)
            order.Add("wcls");

        var tensors = ours.Tensors();
        Assert.Equal(order, tensors.Select(t => t.Str("name")));
        long offset = headerBytes;
        foreach (var t in tensors)
        {
            long[] shape = shapes[t.Str("name")!];
            long bytes = shape.Aggregate(4L, (p, d) => p * d); // f32
            Assert.Equal("F32", t.Str("dtype"));
            Assert.Equal(shape, t.Shape());
            Assert.Equal(offset, t.Int("offset"));
            Assert.Equal(bytes, t.Int("bytes"));
            offset += bytes;
        }
        // The weights fill the file exactly after the header.
        Assert.Equal(new FileInfo(path).Length - headerBytes, ours.Int("tensor_bytes"));
        Assert.Equal(new FileInfo(path).Length, offset);
        Assert.Equal(tensors.Count, ours.Int("tensor_count"));

        // tok512.bin beside it: int32 max_token_length, then per token float32 score, int32 length, bytes.
        string tokenizerPath = Path.Combine(Path.GetDirectoryName(path)!, "tok512.bin");
        int tokens = 0;
        using (var r = new BinaryReader(File.OpenRead(tokenizerPath)))
        {
            r.ReadInt32();
            for (; r.BaseStream.Position < r.BaseStream.Length; tokens++)
            {
                r.ReadSingle();
                int length = r.ReadInt32();
                r.BaseStream.Seek(length, SeekOrigin.Current);
            }
        }
        Assert.Equal(512, tokens);
        JsonElement tok = ours.Field("tokenizer");
        Assert.Equal("llama2c", tok.Str("model"));
        Assert.Equal(tokens, tok.Int("token_count"));
        Assert.Equal(tokenizerPath, tok.Str("source"));
        Assert.Equal(1, tok.Int("bos_token_id")); // run.c's fixed BOS and EOS
        Assert.Equal(2, tok.Int("eos_token_id"));
    }
}
