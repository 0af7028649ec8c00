// Where `run` and `chat` look for the bundled demo model when --model is absent, on temp layouts:
// a published binary (models/demo/ beside it) and a checkout (Meridian.slnx above the binary).
using Meridian.Cli.Run;
using Meridian.Tests.Shared;

namespace Meridian.Cli.Tests.Run;

public sealed class BundledModelTests
{
    [Fact]
    public void Find_CopyBesideBinary_IsUsed()
    {
        using var temp = new TempDir();
        string model = Touch(Path.Combine(temp.Path, BundledModel.RelativePath));
        Assert.Equal(model, BundledModel.Find(temp.Path));
    }

    [Fact]
    public void Find_CheckoutAboveBinary_UsesRepositoryCopy()
    {
        using var temp = new TempDir();
        Touch(temp.File("Meridian.slnx"));
        string model = Touch(Path.Combine(temp.Path, BundledModel.RelativePath));
        string bin = Directory.CreateDirectory(Path.Combine(temp.Path, "src", "Meridian.Cli", "bin", "Debug", "net10.0")).FullName;
        Assert.Equal(Path.GetFullPath(model), Path.GetFullPath(BundledModel.Find(bin)!));
    }

    [Fact]
    public void Find_CheckoutWithoutModel_IsNull()
    {
        using var temp = new TempDir();
        Touch(temp.File("Meridian.slnx"));
        string bin = Directory.CreateDirectory(Path.Combine(temp.Path, "bin")).FullName;
        Assert.Null(BundledModel.Find(bin));
    }

    [Fact]
    public void Resolve_ExplicitModel_WinsOverBundled()
    {
        using var temp = new TempDir();
        Touch(Path.Combine(temp.Path, BundledModel.RelativePath));
        Assert.Equal("my.gguf", BundledModel.Resolve("my.gguf", temp.Path));
    }

    [Fact]
    public void Resolve_NothingFound_SaysPassModel()
    {
        using var temp = new TempDir();
        var e = Assert.Throws<CliUsageException>(() => BundledModel.Resolve(null, temp.Path));
        Assert.Contains("no bundled demo model", e.Message);
        Assert.Contains("--model", e.Message);
    }

    [SkippableFact]
    public void Run_NoModelFlag_UsesBundledDemoModel()
    {
        string? model = BundledModel.Find(AppContext.BaseDirectory);
        Skip.If(model is null, $"{BundledModel.RelativePath} has not landed yet; skipping the end-to-end default-model run");
        var r = CliRunner.Run("run", "--prompt", "In the beginning", "--temp", "0", "-n", "20", "--threads", "2");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.False(string.IsNullOrWhiteSpace(r.Stdout), "the demo model printed nothing");
    }

    private static string Touch(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, []);
        return path;
    }
}
