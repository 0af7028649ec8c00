// `meridian run --device vulkan`: stories260K's greedy text equals llama2.c run.c's byte for byte on the Vulkan
// backend (Mesa's lavapipe in CI). Skips, saying why, where there is no Vulkan device.
using Meridian.Backends.Vulkan;
using Meridian.Tests.Shared;

namespace Meridian.Cli.Tests.Run;

public sealed class RunVulkanTests
{
    [SkippableFact]
    public void Run_Vulkan_Stories260KGreedy_PrintsRunCText()
    {
        var provider = new VulkanBackendProvider();
        Skip.IfNot(provider.IsAvailable, $"no Vulkan device: {provider.UnavailableReason}; skipping");
        string expected = File.ReadAllText(TestData.Require("stories260k/reference/runc_t0_n200.txt"));
        var r = CliRunner.Run("run", "--device", "vulkan", "--model", TestData.Require("stories260k/stories260K-F32.gguf"), "--temp", "0", "-n", "200");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(expected, r.Stdout);
        Assert.Contains($"device: {provider.Devices[0].Name}", r.Stderr);
    }
}
