// llama.cpp (through LLamaSharp) loads files GgufWriter wrote: a rewritten stories260K must give
// the reference logits, and a tiny Llama written from scratch must load, report our metadata and
// evaluate. A native library that cannot load fails these tests with llama.cpp's reason.
using System.Text;
using LLama.Common;
using LLama.Native;
using LLama;
using Meridian.Formats.Gguf;
using Meridian.Tests.Shared;

namespace Meridian.Formats.Tests.Gguf;

public class LlamaCppInteropTests
{
    // Same settings as the reference (1 thread, F32 KV cache, flash attention off): measured
    // differences are 0 at positions 0-1 and under 1e-5 later (llama.cpp version drift).
    // With flash attention on (LLamaSharp's default is auto), the CPU path rounds through F16
    // and logits move by up to 2e-2.
    private const float F32LogitTolerance = 1e-4f;
    // Closed-form check (double, by hand) against llama.cpp's f32 pipeline.
    private const double ClosedFormTolerance = 1e-4;

    [SkippableFact]
    public void LlamaCpp_Stories260kRewrittenByGgufWriter_LogitsMatchReference()
    {
        string source = TestData.Require("stories260k/stories260K-F32.gguf");
        string refDir = TestData.Require("stories260k/reference");
        int[] sequence = File.ReadLines(Path.Combine(refDir, "F32.greedy_bos_200.kvf32.ids.txt"))
            .First(l => l.StartsWith("sequence ", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(int.Parse).ToArray();
        float[] reference = ReadFloats(Path.Combine(refDir, "F32.greedy_bos_200.kvf32.logits.f32"));
        const int vocab = 512;
        int positions = reference.Length / vocab;
        Assert.Equal(200, positions);

        using var dir = new TempDir();
        string path = dir.File("stories260K-rewritten.gguf");
        using (var gguf = GgufFile.Open(source))
            GgufCopy.ToWriter(gguf).Write(path);

        var p = Params(path, contextSize: 256);
        using var weights = LlamaCppReference.Load(p);
        using var context = weights.CreateContext(p);
        Assert.Equal(vocab, weights.Vocab.Count);
        var batch = new LLamaBatch();
        for (int pos = 0; pos < positions; pos++)
        {
            var logits = DecodeOne(context, batch, sequence[pos], pos);
            var expected = reference.AsSpan(pos * vocab, vocab);
            float maxDiff = 0;
            for (int v = 0; v < vocab; v++)
                maxDiff = Math.Max(maxDiff, Math.Abs(logits[v] - expected[v]));
            Assert.True(maxDiff <= F32LogitTolerance, $"position {pos}: max |logit diff| {maxDiff}");
        }
    }

    [Fact]
    public void LlamaCpp_TinyRandomLlamaWrittenFromScratch_LoadsReportsMetadataAndEvaluates()
    {
        using var dir = new TempDir();
        string path = dir.File("tiny.gguf");
        var model = new TinyLlamaGguf(seed: 7, zeroResidualBranches: false);
        model.Write(path);

        var p = Params(path, contextSize: TinyLlamaGguf.C);
        using var weights = LlamaCppReference.Load(p);
        Assert.Equal(TinyLlamaGguf.D, weights.EmbeddingSize);
        Assert.Equal(TinyLlamaGguf.L, weights.NativeHandle.LayerCount);
        Assert.Equal(TinyLlamaGguf.H, weights.NativeHandle.HeadCount);
        Assert.Equal(TinyLlamaGguf.Hkv, weights.NativeHandle.KVHeadCount);
        Assert.Equal(TinyLlamaGguf.V, weights.Vocab.Count);
        Assert.Equal(TinyLlamaGguf.C, weights.ContextSize);
        Assert.Equal(TinyLlamaGguf.Name, weights.Metadata["general.name"]);
        Assert.Equal(1, (int)weights.Vocab.BOS!.Value);
        // Byte tokens: "hi" is <0x68> <0x69>, ids 3 + byte (no space prefix, no BOS).
        Assert.Equal([3 + 'h', 3 + 'i'], weights.Tokenize("hi", false, false, Encoding.UTF8).Select(t => (int)t));

        using var context = weights.CreateContext(p);
        var batch = new LLamaBatch();
        int[] tokens = [1, 3 + 'h', 3 + 'i', 3 + '!'];
        var rows = new List<float[]>();
        for (int pos = 0; pos < tokens.Length; pos++)
        {
            var logits = DecodeOne(context, batch, tokens[pos], pos);
            Assert.Equal(TinyLlamaGguf.V, logits.Length);
            Assert.All(logits, x => Assert.True(float.IsFinite(x)));
            rows.Add(logits);
        }
        // Random weights and attention over different prefixes: rows must differ.
        Assert.NotEqual(rows[1], rows[2]);
    }

    [Fact]
    public void LlamaCpp_TinyLlamaWithZeroResidualBranches_LogitsMatchClosedForm()
    {
        using var dir = new TempDir();
        string path = dir.File("tiny-residual.gguf");
        var model = new TinyLlamaGguf(seed: 11, zeroResidualBranches: true);
        model.Write(path);

        var p = Params(path, contextSize: TinyLlamaGguf.C);
        using var weights = LlamaCppReference.Load(p);
        using var context = weights.CreateContext(p);
        var batch = new LLamaBatch();
        int[] tokens = [1, 3 + 'A', 200];
        for (int pos = 0; pos < tokens.Length; pos++)
        {
            var logits = DecodeOne(context, batch, tokens[pos], pos);
            var expected = model.ResidualOnlyLogits(tokens[pos]);
            for (int v = 0; v < TinyLlamaGguf.V; v++)
                Assert.True(Math.Abs(logits[v] - expected[v]) <= ClosedFormTolerance * Math.Max(1, Math.Abs(expected[v])),
                    $"token {tokens[pos]} logit {v}: llama.cpp {logits[v]}, closed form {expected[v]}");
        }
    }

    private static ModelParams Params(string path, uint contextSize) => new(path)
    {
        ContextSize = contextSize,
        GpuLayerCount = 0,
        Threads = 1,
        BatchThreads = 1,
        BatchSize = 32,
        UBatchSize = 32,
        TypeK = GGMLType.GGML_TYPE_F32,
        TypeV = GGMLType.GGML_TYPE_F32,
        FlashAttention = false, // the reference was made without it; see F32LogitTolerance
    };

    private static float[] DecodeOne(LLamaContext context, LLamaBatch batch, int token, int pos)
    {
        batch.Clear();
        batch.Add(token, pos, LLamaSeqId.Zero, true);
        var result = context.Decode(batch);
        Assert.Equal(DecodeResult.Ok, result);
        return context.NativeHandle.GetLogitsIth(0).ToArray();
    }

    private static float[] ReadFloats(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        var floats = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, floats, 0, floats.Length * 4);
        return floats;
    }
}
