// The first Vulkan device, or a skip that says why there is none (no loader, no driver, no usable device).
// CI installs Mesa's lavapipe, so there these tests run.
using Meridian.Core.Backends;

namespace Meridian.Backends.Vulkan.Tests;

internal static class VulkanTestDevice
{
    private static readonly Lazy<VulkanBackendProvider> Provider = new(() => new VulkanBackendProvider());

    public static IDevice Require()
    {
        var provider = Provider.Value;
        Skip.IfNot(provider.IsAvailable, $"no Vulkan device: {provider.UnavailableReason}; skipping (apt-get install mesa-vulkan-drivers for lavapipe)");
        return provider.Devices[0];
    }
}
