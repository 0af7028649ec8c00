// HfToGguf against independent runs: the converted file must give Meridian the logits of the HF
// directory it came from, and give llama.cpp (LLamaSharp) the logits llama.cpp produced on the
// official stories260K GGUF (the committed reference).
using Meridian.Backends.Cpu;
using Meridian.Core.Quant;
using Meridian.Core.Tensors;
using Meridian.Formats.Gguf;
using Meridian.Models.Conversion;
using Meridian.Models.Tokenizers;
using Meridian.Tests.Shared;
using Xunit.Abstractions;

namespace Meridian.Models.Tests;

public sealed class HfToGgufTests(ITestOutputHelper output) : IDisposable
{
    // Same weights, same kernels: F32 GGUF vs F32 safetensors differ only in how RoPE pairs are
    // read (interleaved vs rotate-half), which rounds differently; measured 1.05e-5 absolute on a
    // logit of -8.7 (1.2e-6 relative). Bound on |diff| / (1 + |logit|).
    private const float SameWeightsRelativeTolerance = 1e-5f;
    // llama.cpp vs Meridian on F32 weights: summation order only (as in LlamaReferenceTests).
    private const float LlamaCppF32Tolerance = 1e-4f;
    // Q8_0 (F16 for ragged rows) weights vs the F32 original on stories260K: weight rounding only,
    // through 5 layers of a 64-wide model; measured 0.27 max over 64 positions × 512 logits.
    private const float Q8_0WeightTolerance = 0.5f;

    // llama.cpp batches of at most 32 positions (LlamaCppLiveComparisonTests.LlamaCppLogits).
    private const int LlamaCppPositions = 32;
    private const int Positions = 64;

    private readonly CpuDevice _device = new(threads: 2);

    public void Dispose() => _device.Dispose();

    [Fact]
    public void PermutedRow_HeadDim4_InterleavesTheHalves()
    {
        // HF head rows [a0 a1 | b0 b1] (rotate-half pairs a_i with b_i) become [a0 b0 a1 b1].
        Assert.Equal([0, 2, 1, 3, 4, 6, 5, 7], Enumerable.Range(0, 8).Select(r => HfToGguf.PermutedRow(r, 4)));
    }

    [SkippableTheory]
    [InlineData("stories260k/hf")]
    [InlineData("stories260k/qwen2arch/hf")]
    public void ConvertF32_SamePrompt_LogitsEqualHfDirectory(string hfDir)
    {
        string dir = TestData.Require(hfDir);
        var sequence = ReferenceRun.Load(TestData.Require("stories260k/reference/runc.greedy_bos_200.ids.txt")).Sequence[..Positions];
        using var temp = new TempDir();
        string gguf = temp.File("out.gguf");
        HfToGguf.Convert(dir, gguf);

        float[] expected = Logits(dir, sequence), actual = Logits(gguf, sequence);
        float worst = 0;
        int at = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            float e = MathF.Abs(expected[i] - actual[i]) / (1 + MathF.Abs(expected[i]));
            if (!(e <= worst))
                (worst, at) = (e, i);
        }
        output.WriteLine($"{hfDir}: max relative diff {worst:G3} at {at} ({expected[at]} vs {actual[at]})");
        Assert.True(worst <= SameWeightsRelativeTolerance, $"{hfDir} GGUF vs HF: relative diff {worst} at {at} (HF {expected[at]}, GGUF {actual[at]}) > {SameWeightsRelativeTolerance}");
        float rms = MathF.Sqrt(expected.Sum(x => x * x) / expected.Length);
        Assert.True(rms > 1, $"logit RMS {rms} too small for the comparison to mean anything");
    }

    [SkippableTheory]
    [InlineData("stories260k/hf", "stories260k/reference/F32.greedy_bos_200.kvf32.ids.txt")]
    [InlineData("stories260k/qwen2arch/hf", "stories260k/qwen2arch/reference/greedy_bos_200.kvf32.ids.txt")]
    public void ConvertF32_WithTok512_LlamaCppMatchesItsReference(string hfDir, string referenceIds)
    {
        string dir = TestData.Require(hfDir);
        var reference = ReferenceRun.Load(TestData.Require(referenceIds));
        var tokenizer = TokenizerLoader.LoadSpec(TestData.Require("stories260k/tok512.bin"));
        using var temp = new TempDir();
        string gguf = temp.File("stories260K-converted-F32.gguf");
        HfToGguf.Convert(dir, gguf, new HfToGgufOptions { Tokenizer = tokenizer, Name = "stories260K" });

        int[] prompt = reference.Sequence[..LlamaCppPositions];
        float[] logits = LlamaCppLiveComparisonTests.LlamaCppLogits(gguf, prompt, reference.Vocab);
        for (int i = 0; i < prompt.Length; i++)
            LlamaReferenceTests.AssertClose(reference.Row(i), logits.AsSpan(i * reference.Vocab, reference.Vocab), LlamaCppF32Tolerance, $"llama.cpp on converted GGUF, position {i}");
        // Meridian on the same converted file, against the same reference.
        float[] ours = Logits(gguf, prompt);
        for (int i = 0; i < prompt.Length; i++)
            LlamaReferenceTests.AssertClose(reference.Row(i), ours.AsSpan(i * reference.Vocab, reference.Vocab), LlamaCppF32Tolerance, $"Meridian on converted GGUF, position {i}");

        // The vocabulary survives the round trip: same tokens and the same encoding.
        var back = Meridian.Tokenizers.Tokenizer.Create(TokenizerLoader.LoadSpec(gguf));
        var original = Meridian.Tokenizers.Tokenizer.Create(tokenizer);
        Assert.Equal(tokenizer.Tokens, TokenizerLoader.LoadSpec(gguf).Tokens);
        const string text = "Once upon a time, there was a little girl named Lily.";
        Assert.Equal(original.Encode(text, addSpecial: true), back.Encode(text, addSpecial: true));
    }

    [SkippableFact]
    public void ConvertQ8_0_RaggedRowsFallBackToF16_LogitsCloseToF32()
    {
        string dir = TestData.Require("stories260k/hf");
        var sequence = ReferenceRun.Load(TestData.Require("stories260k/reference/runc.greedy_bos_200.ids.txt")).Sequence[..Positions];
        using var temp = new TempDir();
        string gguf = temp.File("q8.gguf");
        HfToGguf.Convert(dir, gguf, new HfToGgufOptions { Type = DType.Q8_0 });
        using (var file = GgufFile.Open(gguf))
        {
            Assert.True(file.TryGetTensor("blk.0.attn_q.weight", out var q) && q.Type == DType.Q8_0);
            // ffn_down rows are intermediate_size = 172 long, not whole 32-value blocks.
            Assert.True(file.TryGetTensor("blk.0.ffn_down.weight", out var down) && down.Type == DType.F16);
            Assert.True(file.TryGetTensor("blk.0.attn_norm.weight", out var norm) && norm.Type == DType.F32);
            Assert.False(file.TryGetTensor("output.weight", out _));
        }
        LlamaReferenceTests.AssertClose(Logits(dir, sequence), Logits(gguf, sequence), Q8_0WeightTolerance, "Q8_0 GGUF vs F32 HF");
    }

    [SkippableFact]
    public void Convert_FailsMidway_LeavesNoFileUnderTheOutputName()
    {
        string dir = TestData.Require("stories260k/hf");
        using var temp = new TempDir();
        string gguf = temp.File("out.gguf");
        int seen = 0;
        var options = new HfToGgufOptions { Progress = _ => { if (++seen == 5) throw new IOException("simulated interruption"); } };
        Assert.Throws<IOException>(() => HfToGguf.Convert(dir, gguf, options));
        Assert.False(File.Exists(gguf));
        output.WriteLine($"left in the folder: {string.Join(", ", Directory.GetFiles(temp.Path).Select(Path.GetFileName))}");
    }

    [SkippableFact]
    public void Convert_UnsupportedTypeOrInputAsOutput_IsRefused()
    {
        string dir = TestData.Require("stories260k/hf");
        using var temp = new TempDir();
        // Q2_K has no recipe (Meridian writes the llama-quantize file types of QuantRecipe.Names).
        var e = Assert.Throws<ArgumentException>(() => HfToGguf.Convert(dir, temp.File("x.gguf"), new HfToGgufOptions { Type = DType.Q2_K }));
        Assert.Contains("Q2_K", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Throws<ArgumentException>(() => HfToGguf.Convert(dir, Path.Combine(dir, "model.safetensors")));
        Assert.False(File.Exists(temp.File("x.gguf")));
    }

    private float[] Logits(string path, int[] tokens)
    {
        using var model = ModelLoader.Load(path, _device);
        using var state = new SequenceState(model, capacity: 512);
        var logits = new float[tokens.Length * model.VocabSize];
        state.Forward(tokens, 0, logits);
        return logits;
    }

    [SkippableFact]
    public void ShardedBf16Checkpoint_GivesTheTensorsOfTheOriginalRoundedToBf16()
    {
        // The stories260K weights re-saved as BF16 in several shards (model.safetensors.index.json):
        // converting them must give exactly the original's tensors rounded to BF16, which is what
        // converting the original to a BF16 GGUF gives for the matrices.
        string original = TestData.Require("stories260k/hf");
        using var temp = new TempDir();
        string sharded = Directory.CreateDirectory(temp.File("sharded")).FullName;
        File.Copy(Path.Combine(original, "config.json"), Path.Combine(sharded, "config.json"));
        using (var model = Meridian.Formats.Safetensors.SafetensorsModel.Open(original))
        {
            var writer = new Meridian.Formats.Safetensors.SafetensorsShardedWriter(maxShardBytes: 100_000);
            foreach (string name in model.TensorNames)
            {
                var info = model.GetTensor(name);
                var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(model.GetTensorData(name)).ToArray();
                var bf16 = new byte[values.Length * 2];
                QuantCodecs.QuantizeReference(DType.BF16, values, bf16);
                writer.AddTensor(name, Meridian.Formats.Safetensors.SafetensorsDType.BF16, info.Shape, bf16);
            }
            Assert.True(writer.Write(sharded).Count >= 2, "the checkpoint should span several shards");
        }
        string fromShards = temp.File("from-shards.gguf"), bf16Gguf = temp.File("bf16.gguf");
        HfToGguf.Convert(sharded, fromShards);
        HfToGguf.Convert(original, bf16Gguf, new HfToGgufOptions { Type = DType.BF16 });

        using var a = GgufFile.Open(fromShards);
        using var b = GgufFile.Open(bf16Gguf);
        Assert.Equal(b.Tensors.Select(t => t.Name), a.Tensors.Select(t => t.Name));
        foreach (var ta in a.Tensors)
        {
            var tb = b.GetTensor(ta.Name);
            Assert.Equal(DType.F32, ta.Type);
            var expected = new float[tb.ElementCount];
            QuantCodecs.DequantizeReference(tb.Type, b.GetTensorData(tb), expected);
            if (tb.Type == DType.F32)
            {
                // Vectors stay F32 in the BF16 file, unrounded: round them here.
                var rounded = new byte[expected.Length * 2];
                QuantCodecs.QuantizeReference(DType.BF16, expected, rounded);
                QuantCodecs.DequantizeReference(DType.BF16, rounded, expected);
            }
            var actual = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(a.GetTensorData(ta)).ToArray();
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"{ta.Name}: sharded BF16 conversion differs from the original rounded to BF16");
        }
    }

    [SkippableFact]
    public void Convert_ArchitectureItCannotConvert_IsRefusedByName()
    {
        string original = TestData.Require("stories260k/hf");
        using var temp = new TempDir();
        string dir = Directory.CreateDirectory(temp.File("neox")).FullName;
        File.WriteAllText(Path.Combine(dir, "config.json"), File.ReadAllText(Path.Combine(original, "config.json")).Replace("\"llama\"", "\"gpt_neox\"", StringComparison.Ordinal));
        File.Copy(Path.Combine(original, "model.safetensors"), Path.Combine(dir, "model.safetensors"));
        var e = Assert.Throws<Core.ModelFormatException>(() => HfToGguf.Convert(dir, temp.File("out.gguf")));
        Assert.Contains("gpt_neox", e.Message);
        Assert.False(File.Exists(temp.File("out.gguf")));
    }

    [SkippableFact]
    public void ConvertLlama3RopeScaling_WritesRopeFreqs_LlamaCppAndMeridianAgree()
    {
        // stories260K's weights under a Llama 3.1-style rope_scaling (small wavelength bounds so that
        // all three regimes occur at head_dim 8): the GGUF must give Meridian the logits of the HF
        // directory, and llama.cpp (which reads rope_freqs.weight) the same logits.
        string original = TestData.Require("stories260k/hf");
        using var temp = new TempDir();
        string dir = Directory.CreateDirectory(temp.File("llama3")).FullName;
        string config = File.ReadAllText(Path.Combine(original, "config.json")).Replace("\"rope_theta\"",
            "\"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 64}, \"rope_theta\"",
            StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(dir, "config.json"), config);
        File.Copy(Path.Combine(original, "model.safetensors"), Path.Combine(dir, "model.safetensors"));
        var tokenizer = TokenizerLoader.LoadSpec(TestData.Require("stories260k/tok512.bin"));
        string gguf = temp.File("llama3.gguf");
        HfToGguf.Convert(dir, gguf, new HfToGgufOptions { Tokenizer = tokenizer });

        float[] factors;
        using (var file = GgufFile.Open(gguf))
        {
            var info = file.GetTensor("rope_freqs.weight");
            factors = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(file.GetTensorData(info)).ToArray();
        }
        Assert.Equal(4, factors.Length);
        Assert.Contains(factors, f => f == 1f);
        Assert.Contains(factors, f => f == 8f); // kept and fully scaled frequencies both present

        var sequence = ReferenceRun.Load(TestData.Require("stories260k/reference/runc.greedy_bos_200.ids.txt")).Sequence[..LlamaCppPositions];
        float[] fromHf = Logits(dir, sequence), fromGguf = Logits(gguf, sequence);
        // As ConvertF32_SamePrompt_LogitsEqualHfDirectory, with scaled frequencies: measured 1.06e-5.
        for (int i = 0; i < fromHf.Length; i++)
            Assert.True(MathF.Abs(fromHf[i] - fromGguf[i]) / (1 + MathF.Abs(fromHf[i])) <= 2 * SameWeightsRelativeTolerance, $"logit {i}: HF {fromHf[i]}, GGUF {fromGguf[i]}");
        float[] llamaCpp = LlamaCppLiveComparisonTests.LlamaCppLogits(gguf, sequence, 512);
        float[] unscaled = Logits(original, sequence);
        float worst = 0, moved = 0;
        for (int i = 0; i < llamaCpp.Length; i++)
        {
            worst = MathF.Max(worst, MathF.Abs(llamaCpp[i] - fromGguf[i]));
            moved = MathF.Max(moved, MathF.Abs(unscaled[i] - fromGguf[i]));
        }
        output.WriteLine($"llama3 rope: llama.cpp vs Meridian max |diff| {worst:G3}; the scaling moves logits by up to {moved:G3}");
        Assert.True(worst <= LlamaCppF32Tolerance, $"llama.cpp vs Meridian on the llama3-scaled GGUF: max |diff| {worst}");
        Assert.True(moved > 100 * LlamaCppF32Tolerance, $"the rope scaling changed the logits by only {moved}; the test would not see it missing");
    }
}
