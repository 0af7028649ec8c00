// `meridian run --device plugin:PATH`: the reference C plugin prints run.c's stories260K greedy text byte for
// byte, and a plugin whose op fails (meridian-test-op-error fails every add) ends the run with a one-line error
// naming the device, the op and the plugin's message, exit code 1, no stack trace.
using Meridian.Tests.Shared;

namespace Meridian.Cli.Tests.Run;

public sealed class RunPluginTests
{
    [SkippableFact]
    public void Run_ReferencePlugin_Stories260KGreedy_PrintsRunCText()
    {
        string plugin = TestPlugins.Require();
        string expected = File.ReadAllText(TestData.Require("stories260k/reference/runc_t0_n200.txt"));
        var r = CliRunner.Run("run", "--device", $"plugin:{plugin}", "--model", TestData.Require("stories260k/stories260K-F32.gguf"),
            "--temp", "0", "-n", "200");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(expected, r.Stdout);
        Assert.Contains("reference (scalar C)", r.Stderr);
    }

    [SkippableFact]
    public void Run_PluginOpFails_OneLineErrorExit1()
    {
        string plugin = TestPlugins.Require("meridian-test-op-error");
        string model = Meridian.Cli.Run.BundledModel.Find(AppContext.BaseDirectory) ?? throw new InvalidOperationException("the bundled demo model is missing from the checkout");
        var r = CliRunner.Run("run", "--device", $"plugin:{plugin}", "--model", model, "--prompt", "Hello", "--temp", "0", "-n", "4");
        Assert.Equal(1, r.ExitCode);
        var errors = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("meridian: ")).ToList();
        var line = Assert.Single(errors);
        Assert.StartsWith("meridian: error: ", line);
        Assert.Contains("reference-c:0", line);
        Assert.Contains("MB_ERR_DEVICE", line);
        Assert.Contains("injected fault: add failed on purpose", line);
        Assert.DoesNotContain("   at ", r.Stderr);
    }
}
