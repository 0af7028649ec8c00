// The real-engine server tests (RealEngineTests: the OpenAI SDK streaming and not, batching equal to each request
// alone, prefix caching, disconnects, a full queue, 64 clients) on the Vulkan backend (Mesa's lavapipe in CI), as
// `meridian serve --device vulkan` runs. Skips, saying why, where there is no Vulkan device.
using Meridian.Backends.Vulkan;
using Meridian.Core.Backends;

namespace Meridian.Server.Tests;

public sealed class VulkanRealEngineTests : RealEngineTests
{
    /// <inheritdoc />
    protected override IDevice OpenDevice()
    {
        var provider = new VulkanBackendProvider(); // a device of its own: each test's server disposes the one it gets
        Skip.IfNot(provider.IsAvailable, $"no Vulkan device: {provider.UnavailableReason}; skipping (apt-get install mesa-vulkan-drivers for lavapipe)");
        return provider.Devices[0];
    }

    /// <inheritdoc />
    /// <remarks>lavapipe runs shaders on the CPU, slowly, and CI runs other test projects beside this one.</remarks>
    protected override TimeSpan ClientTimeout => TimeSpan.FromMinutes(5);
}
