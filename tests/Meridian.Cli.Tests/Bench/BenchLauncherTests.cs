// Where `meridian bench` looks for the bench program, and the argv it hands over, checked against layouts and
// argument lists written out here (docs/cli.md "meridian bench").
using System.CommandLine;
using Meridian.Bench.Model;
using Meridian.Cli.Bench;
using Meridian.Tests.Shared;

namespace Meridian.Cli.Tests.Bench;

public sealed class BenchLauncherTests
{
    [Fact]
    public void Locate_RepoLayout_ReleaseBeforeDebug()
    {
        using var repo = new TempDir();
        string cliOut = Directory.CreateDirectory(Path.Combine(repo.Path, "src", "Meridian.Cli", "bin", "Release", "net10.0")).FullName;
        string debug = Touch(repo.Path, "bench", "Meridian.Bench", "bin", "Debug", "net10.0", "Meridian.Bench.dll");

        Assert.Equal(debug, BenchLauncher.Locate(cliOut, environmentValue: null));

        string release = Touch(repo.Path, "bench", "Meridian.Bench", "bin", "Release", "net10.0", "Meridian.Bench.dll");
        Assert.Equal(release, BenchLauncher.Locate(cliOut, environmentValue: null));
    }

    [Fact]
    public void Locate_BenchFolderBesideMeridian_WinsOverTheCheckout()
    {
        using var repo = new TempDir();
        string cliOut = Directory.CreateDirectory(Path.Combine(repo.Path, "src", "Meridian.Cli", "bin", "Release", "net10.0")).FullName;
        Touch(repo.Path, "bench", "Meridian.Bench", "bin", "Release", "net10.0", "Meridian.Bench.dll");
        string published = Touch(cliOut, "bench", "Meridian.Bench.dll");

        Assert.Equal(published, BenchLauncher.Locate(cliOut, environmentValue: null));
    }

    [Fact]
    public void Locate_EnvironmentFileOrFolder_TakenAsGiven()
    {
        using var dir = new TempDir();
        string dll = Touch(dir.Path, "elsewhere", "Meridian.Bench.dll");
        string cliOut = Directory.CreateDirectory(Path.Combine(dir.Path, "cli")).FullName;
        Touch(cliOut, "bench", "Meridian.Bench.dll"); // would win without the variable

        Assert.Equal(dll, BenchLauncher.Locate(cliOut, dll));
        Assert.Equal(dll, BenchLauncher.Locate(cliOut, Path.GetDirectoryName(dll)));
    }

    [Fact]
    public void Locate_EnvironmentPointsNowhere_ErrorSaysHowToBuild()
    {
        using var dir = new TempDir();
        string cliOut = Directory.CreateDirectory(Path.Combine(dir.Path, "cli")).FullName;
        Touch(cliOut, "bench", "Meridian.Bench.dll"); // not used: a set variable is never second-guessed
        string missing = dir.File("missing.dll");

        var ex = Assert.Throws<CliUsageException>(() => BenchLauncher.Locate(cliOut, missing));
        Assert.Contains(missing, ex.Message);
        Assert.Contains("dotnet build -c Release bench/Meridian.Bench", ex.Message);
    }

    [Fact]
    public void Locate_NothingBuilt_ErrorSaysHowToBuild()
    {
        using var dir = new TempDir();
        string cliOut = Directory.CreateDirectory(Path.Combine(dir.Path, "a", "b")).FullName;

        var ex = Assert.Throws<CliUsageException>(() => BenchLauncher.Locate(cliOut, environmentValue: null));
        Assert.Contains("dotnet build -c Release bench/Meridian.Bench", ex.Message);
    }

    [Fact]
    public void ToArgs_ParsedOptions_EveryValueSpelledOut()
    {
        string[] given = ["--synthetic", "llama-15m", "--type", "Q4_0, Q8_0", "-p", "8", "-t", "1,2", "--vs", "llama.cpp", "--json", "--report", "r.html"];

        var options = Parse(given);

        // -n and -r were not given: the defaults 128 and 5 are written out, so the bench cannot differ.
        Assert.Equal(
            ["--synthetic", "llama-15m", "--type", "Q4_0,Q8_0", "-p", "8", "-n", "128", "-t", "1,2", "-r", "5", "--device", "cpu", "--kv-type", "f32", "--vs", "llama.cpp", "--json", "--report", "r.html"],
            ModelBenchArguments.ToArgs(options));
    }

    [Fact]
    public void ToArgs_ModelFileAndPure_NoTypeForwarded()
    {
        using var dir = new TempDir();
        string model = dir.File("m.gguf");
        File.WriteAllBytes(model, []); // only its existence is checked before launch

        var options = Parse(["-m", model, "--pure", "-p", "0", "-n", "4", "-t", "3", "-r", "1", "--kv-type", "F32"]);

        Assert.Equal(["--model", model, "--pure", "-p", "0", "-n", "4", "-t", "3", "-r", "1", "--device", "cpu", "--kv-type", "f32"], ModelBenchArguments.ToArgs(options));
    }

    private static ModelBenchOptions Parse(string[] args)
    {
        var arguments = new ModelBenchArguments();
        var command = new RootCommand();
        arguments.AddTo(command);
        var parse = command.Parse(args);
        Assert.Empty(parse.Errors);
        var (options, error) = arguments.Read(parse);
        Assert.True(options is not null, error);
        return options;
    }

    private static string Touch(string root, params string[] parts)
    {
        string path = Path.Combine([root, .. parts]);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, []);
        return Path.GetFullPath(path);
    }
}
