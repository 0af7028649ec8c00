// `meridian quantize` (GgufQuantizer + QuantRecipe) against independent references: llama.cpp
// (LLamaSharp, test-only) loads and runs every file type it writes, with logits agreeing with
// Meridian's on the same file; the quantized tensor bytes equal ggml's own for the shared quant
// vectors; the mixture follows llama-quantize's rules, hand-computed below.
using Meridian.Backends.Cpu;
using Meridian.Core.Quant;
using Meridian.Core.Tensors;
using Meridian.Formats.Gguf;
using Meridian.Models.Conversion;
using Meridian.Tests.Shared;
using Xunit.Abstractions;

namespace Meridian.Models.Tests;

public sealed class GgufQuantizerTests(ITestOutputHelper output)
{
    // D = 256 so every row is whole K-quant super-blocks; 8 layers so the Q4_K_M/Q5_K_M mixture
    // has layers of both kinds (use_more_bits: 0, 3, 6, 7).
    private static readonly SyntheticShape Shape = new(D: 256, F: 512, V: SyntheticModel.SpmVocabSize, H: 4, Hkv: 2, Dh: 64, L: 8);

    private static readonly int[] Prompt = [1, .. "Once upon a time"u8.ToArray().Select(b => 3 + b)];

    [Theory]
    [InlineData("F16")]
    [InlineData("BF16")]
    [InlineData("Q8_0")]
    [InlineData("Q4_0")]
    [InlineData("Q4_1")]
    [InlineData("Q5_0")]
    [InlineData("Q5_1")]
    [InlineData("Q4_K_M")]
    [InlineData("Q5_K_M")]
    [InlineData("Q6_K")]
    public void Quantize_EachFileType_LlamaCppRunsIt_LogitsAgreeWithMeridian(string type)
    {
        using var dir = new TempDir();
        string f32 = dir.File("f32.gguf"), quantized = dir.File($"{type}.gguf");
        SyntheticModel.Random("llama", Shape, seed: 77).WriteGguf(f32, DType.F32, withVocab: true, seed: 3);
        var recipe = QuantRecipe.Parse(type);
        GgufQuantizer.Quantize(f32, quantized, recipe);

        DType[] types;
        using (var file = GgufFile.Open(quantized))
        {
            Assert.Equal(recipe.FileType, file.GetUInt32("general.file_type"));
            types = file.Tensors.Where(t => t.Dimensions.Length == 2).Select(t => t.Type).Distinct().ToArray();
            Assert.All(file.Tensors.Where(t => t.Dimensions.Length == 1), t => Assert.Equal(DType.F32, t.Type));
        }
        float tolerance = types.Max(t => LlamaCppLiveComparisonTests.Tolerance[t]);

        int v = Shape.V;
        float[] expected = LlamaCppLiveComparisonTests.LlamaCppLogits(quantized, Prompt, v);
        var actual = new float[Prompt.Length * v];
        using (var device = new CpuDevice(threads: 1))
        using (var model = ModelLoader.Load(quantized, device))
        using (var state = new SequenceState(model, capacity: 32))
            state.Forward(Prompt, 0, actual);

        float rms = MathF.Sqrt(expected.Sum(x => x * x) / expected.Length);
        // The tolerances (0.005 to 0.25) must be small against the logits for the comparison to mean anything.
        Assert.True(rms >= 0.5f, $"{type}: llama.cpp's logits have RMS {rms}; too small for the comparison to mean anything");
        float worst = 0;
        for (int i = 0; i < expected.Length; i++)
            worst = MathF.Max(worst, MathF.Abs(expected[i] - actual[i]));
        output.WriteLine($"{type}: tensor types {string.Join(", ", types.Select(t => t.Name()))}; max |logit diff| {worst:G3} (tolerance {tolerance}, RMS {rms:G3})");
        Assert.True(worst <= tolerance, $"{type}: max |logit diff| {worst} > {tolerance}");
    }

    [Theory]
    [InlineData("Q4_0", LLama.Native.LLamaFtype.MOSTLY_Q4_0)]
    [InlineData("Q4_1", LLama.Native.LLamaFtype.MOSTLY_Q4_1)]
    [InlineData("Q5_0", LLama.Native.LLamaFtype.MOSTLY_Q5_0)]
    [InlineData("Q5_1", LLama.Native.LLamaFtype.MOSTLY_Q5_1)]
    [InlineData("Q8_0", LLama.Native.LLamaFtype.MOSTLY_Q8_0)]
    [InlineData("Q4_K_M", LLama.Native.LLamaFtype.MOSTLY_Q4_K_M)]
    [InlineData("Q5_K_M", LLama.Native.LLamaFtype.MOSTLY_Q5_K_M)]
    [InlineData("Q6_K", LLama.Native.LLamaFtype.MOSTLY_Q6_K)]
    public void Quantize_SameModel_EveryTensorTypeAndByteEqualsLlamaQuantize(string type, LLama.Native.LLamaFtype ftype)
    {
        // llama.cpp's own quantizer (llama_model_quantize through LLamaSharp, output tensor quantized as
        // llama-quantize does by default) on the same F32 file: the same type for every tensor, the same bytes.
        using var dir = new TempDir();
        string f32 = dir.File("f32.gguf"), ours = dir.File("ours.gguf"), theirs = dir.File("llama.gguf");
        SyntheticModel.Random("llama", Shape, seed: 77).WriteGguf(f32, DType.F32, withVocab: true, seed: 3);
        GgufQuantizer.Quantize(f32, ours, QuantRecipe.Parse(type));
        LlamaCppReference.Quantize(f32, theirs, ftype);

        using var a = GgufFile.Open(ours);
        using var b = GgufFile.Open(theirs);
        Assert.Equal(b.GetUInt32("general.file_type"), a.GetUInt32("general.file_type"));
        foreach (var tb in b.Tensors)
        {
            var ta = a.GetTensor(tb.Name);
            Assert.True(tb.Type == ta.Type, $"{type} {tb.Name}: llama.cpp wrote {tb.Type.Name()}, Meridian {ta.Type.Name()}");
            int diff = a.GetTensorData(ta).ToArray().Zip(b.GetTensorData(tb).ToArray()).Count(p => p.First != p.Second);
            Assert.True(diff == 0, $"{type} {tb.Name} ({tb.Type.Name()}): {diff} of {tb.ByteSize} bytes differ from llama.cpp's");
        }
        Assert.Equal(b.Tensors.Count, a.Tensors.Count);
        output.WriteLine($"{type}: {a.Tensors.Count} tensors, types and bytes as llama.cpp's ({string.Join(", ", a.Tensors.Select(t => t.Type).Distinct().Select(t => t.Name()))})");
    }

    [SkippableTheory]
    [InlineData(DType.Q4_0)]
    [InlineData(DType.Q4_1)]
    [InlineData(DType.Q5_0)]
    [InlineData(DType.Q5_1)]
    [InlineData(DType.Q8_0)]
    [InlineData(DType.Q4_K)]
    [InlineData(DType.Q5_K)]
    [InlineData(DType.Q6_K)]
    public void Quantize_QuantVectors_TensorBytesEqualGgml(DType type)
    {
        var input = File.ReadAllBytes(TestData.Require("quant-vectors/input_weights.f32"));
        var expected = File.ReadAllBytes(TestData.Require($"quant-vectors/{type.Name()}.quant.bin"));
        using var dir = new TempDir();
        string inPath = dir.File("in.gguf"), outPath = dir.File("out.gguf");
        new GgufWriter()
            .Add("general.architecture", "llama")
            .Add("llama.block_count", 1u)
            .AddTensor("blk.0.attn_q.weight", DType.F32, [256, 128], input)
            .Write(inPath);
        string name = type switch { DType.Q4_K => "Q4_K_M", DType.Q5_K => "Q5_K_M", _ => type.Name() };
        GgufQuantizer.Quantize(inPath, outPath, QuantRecipe.Parse(name) with { Pure = true });

        using var file = GgufFile.Open(outPath);
        var info = file.GetTensor("blk.0.attn_q.weight");
        Assert.Equal(type, info.Type);
        var actual = file.GetTensorData(info).ToArray();
        int diff = actual.Zip(expected).Count(p => p.First != p.Second);
        Assert.True(actual.Length == expected.Length && diff == 0, $"{type.Name()}: {diff} of {expected.Length} bytes differ from ggml's");
    }

    [Fact]
    public void Recipe_Q4_K_M_TinyLlamaLayers_FollowUseMoreBits()
    {
        // 22 layers: the first and last eighth (0, 1 and 19..21) and every third layer from 2 on
        // (4, 7, 10, 13, 16) get Q6_K for attn_v and ffn_down, as llama-quantize's TinyLlama Q4_K_M does.
        var recipe = QuantRecipe.Parse("Q4_K_M");
        int[] moreBits = [0, 1, 4, 7, 10, 13, 16, 19, 20, 21];
        for (int l = 0; l < 22; l++)
        {
            DType expected = moreBits.Contains(l) ? DType.Q6_K : DType.Q4_K;
            Assert.Equal(expected, recipe.TypeFor($"blk.{l}.attn_v.weight", [2048, 256], DType.F32, 22, false, out _));
            Assert.Equal(expected, recipe.TypeFor($"blk.{l}.ffn_down.weight", [5632, 2048], DType.F32, 22, false, out _));
            Assert.Equal(DType.Q4_K, recipe.TypeFor($"blk.{l}.attn_q.weight", [2048, 2048], DType.F32, 22, false, out _));
        }
        Assert.Equal(DType.Q6_K, recipe.TypeFor("output.weight", [2048, 32000], DType.F32, 22, false, out _));
        Assert.Equal(DType.Q4_K, recipe.TypeFor("token_embd.weight", [2048, 32000], DType.F32, 22, false, out _));
        // Tied: the embedding is the output matrix.
        Assert.Equal(DType.Q6_K, recipe.TypeFor("token_embd.weight", [2048, 32000], DType.F32, 22, true, out _));
        Assert.Equal(DType.F32, recipe.TypeFor("blk.0.attn_norm.weight", [2048], DType.F32, 22, false, out _));
        // --pure: one type everywhere; --keep-output: the output as it was.
        Assert.Equal(DType.Q4_K, (recipe with { Pure = true }).TypeFor("output.weight", [2048, 32000], DType.F32, 22, false, out _));
        Assert.Equal(DType.F16, (recipe with { KeepOutput = true }).TypeFor("output.weight", [2048, 32000], DType.F16, 22, false, out _));
        // Q8_0 keeps the output at Q8_0; Q4_0 gives it Q6_K.
        Assert.Equal(DType.Q8_0, QuantRecipe.Parse("Q8_0").TypeFor("output.weight", [2048, 32000], DType.F32, 22, false, out _));
        Assert.Equal(DType.Q6_K, QuantRecipe.Parse("q4_0").TypeFor("output.weight", [2048, 32000], DType.F32, 22, false, out _));
    }

    [Fact]
    public void Recipe_RowsNotWholeBlocks_FallBackAndSaySo()
    {
        var recipe = QuantRecipe.Parse("Q4_K_M");
        Assert.Equal(DType.Q5_0, recipe.TypeFor("blk.2.attn_q.weight", [64, 64], DType.F32, 5, false, out string? note));
        Assert.Contains("blk.2.attn_q.weight", note);
        Assert.Contains("q5_0", note);
        // Layer 4 of 5 is in the last eighth: its ffn_down would be Q6_K, whose fallback is Q8_0.
        Assert.Equal(DType.Q8_0, recipe.TypeFor("blk.4.ffn_down.weight", [64, 172], DType.F32, 5, false, out _));
        // 172 is not whole blocks of 32 either: F16.
        Assert.Equal(DType.F16, recipe.TypeFor("blk.1.ffn_down.weight", [172, 64], DType.F32, 5, false, out _));
        Assert.Equal(DType.Q8_0, recipe.TypeFor("output.weight", [64, 512], DType.F32, 5, false, out _)); // output rule: Q8_0 when not whole super-blocks
        Assert.Throws<ArgumentException>(() => QuantRecipe.Parse("Q3_K_S"));
    }

    [Fact]
    public void Quantize_FailsMidway_LeavesNoFileUnderTheOutputName_AndInputUntouched()
    {
        using var dir = new TempDir();
        string f32 = dir.File("f32.gguf"), outPath = dir.File("out.gguf");
        SyntheticModel.Random("llama", Shape with { L = 2 }, seed: 5).WriteGguf(f32, DType.F32, withVocab: true);
        byte[] before = File.ReadAllBytes(f32);
        int tensors = 0;
        var e = Assert.Throws<IOException>(() => GgufQuantizer.Quantize(f32, outPath, QuantRecipe.Parse("Q8_0"), line =>
        {
            if (line.StartsWith('[') && ++tensors == 4)
                throw new IOException("simulated: disk full at tensor 4");
        }));
        Assert.Contains("tensor 4", e.Message);
        Assert.False(File.Exists(outPath));
        Assert.Equal([Path.GetFileName(f32)], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
        Assert.Equal(before, File.ReadAllBytes(f32));
    }

    [Fact]
    public void Quantize_BadRequests_AreRefusedByName()
    {
        using var dir = new TempDir();
        string f32 = dir.File("f32.gguf"), q8 = dir.File("q8.gguf");
        SyntheticModel.Random("llama", Shape with { L = 2 }, seed: 5).WriteGguf(f32, DType.F32, withVocab: true);
        var same = Assert.Throws<ArgumentException>(() => GgufQuantizer.Quantize(f32, f32, QuantRecipe.Parse("Q8_0")));
        Assert.Contains("is the input file", same.Message);
        GgufQuantizer.Quantize(f32, q8, QuantRecipe.Parse("Q8_0"));
        var twice = Assert.Throws<Core.ModelFormatException>(() => GgufQuantizer.Quantize(q8, dir.File("q4.gguf"), QuantRecipe.Parse("Q4_0")));
        Assert.Contains("already quantized", twice.Message);
        Assert.Contains("--allow-requantize", twice.Message);
        GgufQuantizer.Quantize(q8, dir.File("q4.gguf"), QuantRecipe.Parse("Q4_0"), allowRequantize: true);
        using var file = GgufFile.Open(dir.File("q4.gguf"));
        Assert.Equal(DType.Q4_0, file.GetTensor("blk.0.attn_q.weight").Type);
    }
}
