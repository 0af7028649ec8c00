// `meridian quantize` and `meridian convert` as a user runs them: the bundled demo model (our own
// fixture) quantized and run; the stories260K checkpoint (shared testdata) converted and run; every
// refusal one error line. Numerical agreement with llama.cpp is checked in Meridian.Models.Tests
// (GgufQuantizerTests, HfToGgufTests).
using Meridian.Cli.Run;
using Meridian.Core.Tensors;
using Meridian.Formats.Gguf;
using Meridian.Tests.Shared;

namespace Meridian.Cli.Tests.Conversion;

public sealed class ConvertCommandTests
{
    private static string DemoModel => BundledModel.Find(AppContext.BaseDirectory) ?? throw new InvalidOperationException("the bundled demo model is missing from the checkout");

    [Theory]
    [InlineData("Q8_0", "q8_0")]
    [InlineData("q4_k_m", "q4_K")]
    public void Quantize_DemoModel_WritesAFileThatRuns(string type, string mainType)
    {
        using var temp = new TempDir();
        string output = temp.File("demo-quantized.gguf");
        var r = CliRunner.Run("quantize", DemoModel, output, "--type", type);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.StartsWith($"wrote {output}", r.Stdout);

        using (var file = GgufFile.Open(output))
        {
            // One progress line per tensor, "[i/n] name ...".
            int n = file.Tensors.Count;
            Assert.Equal(n, r.Stderr.Split('\n').Count(l => l.StartsWith('[')));
            Assert.Contains($"[{n}/{n}] ", r.Stderr);
            Assert.Contains(file.Tensors, t => t.Type.Name() == mainType);
        }
        var run = CliRunner.Run("run", "--model", output, "--prompt", "And God said", "-n", "8", "--seed", "1");
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.False(string.IsNullOrWhiteSpace(run.Stdout));
    }

    [Fact]
    public void Quantize_Refusals_AreOneErrorLine()
    {
        using var temp = new TempDir();
        string copy = temp.File("demo.gguf");
        File.Copy(DemoModel, copy);
        byte[] before = File.ReadAllBytes(copy);

        Assert.Contains("is the input file", CliAssert.OneErrorLine(CliRunner.Run("quantize", copy, copy, "--type", "Q8_0")));
        Assert.Contains("unknown type 'Q3_K_S'", CliAssert.OneErrorLine(CliRunner.Run("quantize", copy, temp.File("x.gguf"), "--type", "Q3_K_S")));
        Assert.Contains("missing.gguf", CliAssert.OneErrorLine(CliRunner.Run("quantize", temp.File("missing.gguf"), temp.File("y.gguf"), "--type", "Q8_0")));
        Assert.Equal(before, File.ReadAllBytes(copy));
        Assert.Equal(["demo.gguf"], Directory.GetFiles(temp.Path).Select(Path.GetFileName));

        // A quantized input is not quantized again unless asked.
        Assert.Equal(0, CliRunner.Run("quantize", copy, temp.File("q8.gguf"), "--type", "Q8_0").ExitCode);
        Assert.Contains("--allow-requantize", CliAssert.OneErrorLine(CliRunner.Run("quantize", temp.File("q8.gguf"), temp.File("q4.gguf"), "--type", "Q4_0")));
        Assert.Equal(0, CliRunner.Run("quantize", temp.File("q8.gguf"), temp.File("q4.gguf"), "--type", "Q4_0", "--allow-requantize").ExitCode);
    }

    [SkippableFact]
    public void Convert_Stories260K_WithItsTokenizer_RunsInMeridian()
    {
        string dir = TestData.Require("stories260k/hf");
        string tok = TestData.Require("stories260k/tok512.bin");
        using var temp = new TempDir();
        string output = temp.File("stories.gguf");
        var r = CliRunner.Run("convert", dir, "-o", output, "--type", "Q4_K_M", "--tokenizer", tok);
        Assert.True(r.ExitCode == 0, r.Stderr);
        // 64-wide rows are not whole K-quant super-blocks: each fallback is said.
        Assert.Contains("note: blk.0.attn_q.weight: rows of 64 are not whole q4_K blocks of 256; using q5_0", r.Stderr);
        using (var file = GgufFile.Open(output))
            Assert.Equal(15u, file.GetUInt32("general.file_type"));
        var run = CliRunner.Run("run", "--model", output, "--prompt", "Once upon a time", "-n", "16", "--seed", "1");
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.False(string.IsNullOrWhiteSpace(run.Stdout));

        Assert.Contains("no config.json", CliAssert.OneErrorLine(CliRunner.Run("convert", temp.Path, "-o", temp.File("z.gguf"))));
    }
}
