// `meridian conformance`: the table on stdout and progress on stderr, the JSON report, exit 0 on a pass and 2
// when a case fails (a device broken on purpose, through the command's registry hook), exit 1 with one error
// line on bad flags. Run in process on small op subsets so the tests stay quick.
using System.CommandLine;
using System.Text.Json;
using Meridian.Backends.Cpu;
using Meridian.Cli.Conformance;
using Meridian.Core.Backends;
using Meridian.Tests.Shared;

namespace Meridian.Cli.Tests.Conformance;

public class ConformanceCommandTests
{
    [Fact]
    public void Conformance_CpuSubset_PrintsTheMatrixAndPasses()
    {
        var r = CliRunner.Run("conformance", "--ops", "^(softmax|argmax)$", "--threads", "2");
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
        string[] lines = r.Stdout.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("dtype") && l.Contains("softmax") && l.Contains("paged_attention"));
        // f32 row: softmax and argmax ran and passed; the other ops are claimed but left out by --ops.
        var f32 = Assert.Single(lines, l => l.StartsWith("f32 "));
        Assert.Equal(["skip", "skip", "skip", "skip", "skip", "skip", "skip", "skip", "skip", "pass", "skip", "pass", "skip", "skip", "skip", "skip", "skip"], f32.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..]);
        Assert.Contains("8 cases: 8 passed, 0 failed", r.Stdout);
        Assert.Contains("softmax f32: 4 cases, all passed", r.Stderr);
    }

    [Fact]
    public void Conformance_Json_WritesTheReport()
    {
        using var dir = new TempDir();
        string path = dir.File("report.json");
        var r = CliRunner.Run("conformance", "--ops", "^rms_norm$", "--types", "f32", "--json", path, "--threads", "2");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        Assert.Equal("meridian.conformance/1", root.GetProperty("schema").GetString());
        Assert.True(root.GetProperty("passed").GetBoolean());
        Assert.Equal("^rms_norm$", root.GetProperty("options").GetProperty("ops").GetString());
        Assert.Equal(6, root.GetProperty("cases").GetArrayLength());
        Assert.All(root.GetProperty("cases").EnumerateArray(), c => Assert.Equal("rms_norm", c.GetProperty("op").GetString()));
        var backend = root.GetProperty("backend");
        Assert.Equal("cpu", backend.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, backend.GetProperty("library").ValueKind);
    }

    [SkippableFact]
    public void Conformance_Plugin_ReportNamesThePluginAndItsLibrary()
    {
        string plugin = Meridian.Tests.Shared.TestPlugins.Require();
        using var dir = new TempDir();
        string path = dir.File("report.json");
        var r = CliRunner.Run("conformance", "--device", $"plugin:{plugin}", "--ops", "^(add|argmax)$", "--no-models", "--json", path);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains($"backend: reference-c, contract 1.0, version ", r.Stdout);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var backend = doc.RootElement.GetProperty("backend");
        Assert.Equal("reference-c", backend.GetProperty("name").GetString());
        Assert.Equal("1.0", backend.GetProperty("contract").GetString());
        Assert.False(string.IsNullOrEmpty(backend.GetProperty("version").GetString()));
        Assert.Equal(Path.GetFullPath(plugin), backend.GetProperty("library").GetString());
        Assert.Equal("reference (scalar C)", doc.RootElement.GetProperty("device").GetProperty("name").GetString());
        Assert.True(doc.RootElement.GetProperty("passed").GetBoolean());
    }

    [Fact]
    public void Conformance_BrokenDevice_ExitsTwoAndNamesTheCase()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var command = ConformanceCommand.Create(stdout, stderr, _ => new BackendRegistry().Register(new BrokenProvider()));
        int code = new RootCommand { command }.Parse(["conformance", "--ops", "^(softmax|add)$"]).Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
        Assert.Equal(ConformanceCommand.Failed, code);
        Assert.Contains("FAIL softmax f32 [7, 100] values in ±1: x: NMSE", stderr.ToString());
        Assert.Contains("  op softmax f32 [61, 61] values in ±5: x: NMSE", stdout.ToString());
        Assert.Matches(@"\nf32 .* FAIL ", stdout.ToString());
        Assert.Contains("4 failed", stdout.ToString());
    }

    [Theory]
    [InlineData("--types", "q9_9", "--types: unknown dtype 'q9_9'")]
    [InlineData("--ops", "(", "--ops '(' is not a regular expression")]
    [InlineData("--device", "tpu", "device 'tpu': no backend called 'tpu' (known: cpu, vulkan, reference)")]
    [InlineData("--threads", "0", "--threads must be at least 1, not 0")]
    public void Conformance_BadFlag_ExitsOneWithOneErrorLine(string flag, string value, string message)
    {
        var r = CliRunner.Run("conformance", flag, value);
        Assert.Contains(message, CliAssert.OneErrorLine(r));
    }

    // The CPU with Softmax computed on a copy that is then dropped, then its input scaled: a wrong result.
    private sealed class BrokenProvider : IBackendProvider
    {
        public string Name => "cpu";

        public ContractVersion ContractVersion => BackendContract.Version;

        public bool IsAvailable => true;

        public int Score => 0;

        public IReadOnlyList<IDevice> Devices { get; } = [new BrokenSoftmaxDevice(new CpuDevice(2))];
    }
}
