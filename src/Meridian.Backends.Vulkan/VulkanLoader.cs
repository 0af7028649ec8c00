// The process-wide Vulkan instance: the loader found once (Vortice.Vulkan's vkInitialize looks for libvulkan.so.1 /
// vulkan-1.dll / libvulkan.1.dylib), an instance for Vulkan 1.2, and the physical devices. Every failure becomes a
// sentence naming what was looked for, which `meridian devices` and `--device vulkan` print.
using Vortice.Vulkan;
using static Vortice.Vulkan.Vulkan;

namespace Meridian.Backends.Vulkan;

/// <summary>The Vulkan instance, or why there is none.</summary>
internal sealed unsafe class VulkanLoader
{
    private static readonly Lazy<VulkanLoader> Shared = new(() => new VulkanLoader());

    private VulkanLoader()
    {
        try
        {
            if (vkInitialize() != VkResult.Success)
            {
                Problem = LoaderMissing;
                return;
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or InvalidOperationException)
        {
            Problem = $"{LoaderMissing} ({e.Message})";
            return;
        }
        VkVersion version = vkEnumerateInstanceVersion();
        if (version < VkVersion.Version_1_2)
        {
            Problem = $"the Vulkan loader supports Vulkan {version.Major}.{version.Minor}; Meridian needs 1.2 (buffer device addresses, 8- and 16-bit storage)";
            return;
        }
        var appInfo = new VkApplicationInfo { apiVersion = VkVersion.Version_1_2 };
        var create = new VkInstanceCreateInfo { pApplicationInfo = &appInfo };
        VkInstance instance;
        var result = vkCreateInstance(&create, &instance);
        if (result != VkResult.Success)
        {
            Problem = $"vkCreateInstance failed ({result}): the Vulkan loader is there but no driver (ICD) could start; install one (mesa-vulkan-drivers for the CPU's lavapipe, or the GPU vendor's)";
            return;
        }
        Instance = instance;
        Api = GetApi(instance);
        uint count = 0;
        Api.vkEnumeratePhysicalDevices(&count, null);
        var devices = new VkPhysicalDevice[count];
        fixed (VkPhysicalDevice* p = devices)
            Api.vkEnumeratePhysicalDevices(&count, p);
        PhysicalDevices = devices;
        if (count == 0)
            Problem = "the Vulkan loader found no device: no driver (ICD) reports one (install mesa-vulkan-drivers for lavapipe, or the GPU vendor's driver)";
    }

    private const string LoaderMissing =
        "no Vulkan loader: looked for libvulkan.so.1 (Linux), vulkan-1.dll (Windows), libvulkan.1.dylib (macOS, MoltenVK); install libvulkan1 and a driver";

    /// <summary>The one loader of this process.</summary>
    public static VulkanLoader Current => Shared.Value;

    /// <summary>Why Vulkan cannot be used here; null when it can.</summary>
    public string? Problem { get; private set; }

    public VkInstance Instance { get; }

    public VkInstanceApi Api { get; } = null!;

    public IReadOnlyList<VkPhysicalDevice> PhysicalDevices { get; } = [];
}
