// VkResult -> exception: a failed Vulkan call is a BackendFaultException naming the call and the result
// (VK_ERROR_DEVICE_LOST, VK_ERROR_OUT_OF_DEVICE_MEMORY, ...), never a crash.
using Meridian.Core.Backends;
using Vortice.Vulkan;

namespace Meridian.Backends.Vulkan;

internal static class VulkanCheck
{
    /// <summary>Throws unless <paramref name="result"/> is success, naming <paramref name="call"/> and the device.</summary>
    public static void Check(this VkResult result, string call, string device)
    {
        if (result != VkResult.Success)
            throw new BackendFaultException($"vulkan {device}: {call} failed with {result}"
                + (result == VkResult.ErrorDeviceLost ? " (the device was lost: driver reset or hang)" : "")
                + (result is VkResult.ErrorOutOfDeviceMemory or VkResult.ErrorOutOfHostMemory ? " (out of memory)" : ""));
    }
}
