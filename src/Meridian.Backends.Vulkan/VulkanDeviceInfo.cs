// What a physical device is and has, read once: kind, memory, limits, the features the shaders need, and the
// queue family for compute. A device without buffer device addresses or 8/16-bit storage is listed with the reason.
using System.Text;
using Vortice.Vulkan;

namespace Meridian.Backends.Vulkan;

/// <summary>One physical device's properties and whether Meridian can use it.</summary>
internal sealed unsafe class VulkanDeviceInfo
{
    public VulkanDeviceInfo(VkInstanceApi api, VkPhysicalDevice device)
    {
        Physical = device;
        var subgroup = new VkPhysicalDeviceSubgroupProperties();
        var maintenance3 = new VkPhysicalDeviceMaintenance3Properties { pNext = &subgroup };
        var props = new VkPhysicalDeviceProperties2 { pNext = &maintenance3 };
        api.vkGetPhysicalDeviceProperties2(device, &props);
        var name = new ReadOnlySpan<byte>(props.properties.deviceName, 256); // UTF-8, NUL-terminated
        int end = name.IndexOf((byte)0);
        Name = Encoding.UTF8.GetString(end < 0 ? name : name[..end]);
        Type = props.properties.deviceType;
        ApiVersion = props.properties.apiVersion;
        SubgroupSize = subgroup.subgroupSize;
        SubgroupShuffle = (subgroup.supportedStages & VkShaderStageFlags.Compute) != 0
            && (subgroup.supportedOperations & VkSubgroupFeatureFlags.Shuffle) != 0;
        MaxAllocation = (long)maintenance3.maxMemoryAllocationSize;
        MaxStorageBufferRange = props.properties.limits.maxStorageBufferRange;
        MaxComputeWorkGroupCount = props.properties.limits.maxComputeWorkGroupCount[0];

        var f12 = new VkPhysicalDeviceVulkan12Features();
        var f11 = new VkPhysicalDeviceVulkan11Features { pNext = &f12 };
        var features = new VkPhysicalDeviceFeatures2 { pNext = &f11 };
        api.vkGetPhysicalDeviceFeatures2(device, &features);
        BufferDeviceAddress = f12.bufferDeviceAddress;
        Storage8 = f12.storageBuffer8BitAccess;
        Storage16 = f11.storageBuffer16BitAccess;
        Int8 = f12.shaderInt8;
        Float16 = f12.shaderFloat16;
        Int16 = features.features.shaderInt16;
        Int64 = features.features.shaderInt64;

        VkPhysicalDeviceMemoryProperties memory;
        api.vkGetPhysicalDeviceMemoryProperties(device, &memory);
        Memory = memory;
        for (int h = 0; h < memory.memoryHeapCount; h++)
        {
            var heap = memory.memoryHeaps[h];
            if ((heap.flags & VkMemoryHeapFlags.DeviceLocal) != 0)
                MemoryBytes = Math.Max(MemoryBytes, (long)heap.size);
        }

        uint families = 0;
        api.vkGetPhysicalDeviceQueueFamilyProperties(device, &families, null);
        var list = new VkQueueFamilyProperties[families];
        fixed (VkQueueFamilyProperties* p = list)
            api.vkGetPhysicalDeviceQueueFamilyProperties(device, &families, p);
        QueueFamily = -1;
        for (int i = 0; i < list.Length; i++)
        {
            if ((list[i].queueFlags & VkQueueFlags.Compute) != 0)
            {
                QueueFamily = i;
                break;
            }
        }

        Problem = ApiVersion < VkVersion.Version_1_2 ? $"Vulkan {ApiVersionText}; Meridian needs 1.2"
            : !BufferDeviceAddress ? "no bufferDeviceAddress"
            : !Storage8 ? "no storageBuffer8BitAccess"
            : !Storage16 ? "no storageBuffer16BitAccess"
            : !Int8 || !Int16 ? "no 8- or 16-bit shader integers"
            : QueueFamily < 0 ? "no compute queue"
            : null;
    }

    public VkPhysicalDevice Physical { get; }

    public string Name { get; }

    public VkPhysicalDeviceType Type { get; }

    public VkVersion ApiVersion { get; }

    /// <summary>"1.3.230".</summary>
    public string ApiVersionText => $"{ApiVersion.Major}.{ApiVersion.Minor}.{ApiVersion.Patch}";

    public uint SubgroupSize { get; }

    /// <summary>Compute shaders have subgroupShuffleXor.</summary>
    public bool SubgroupShuffle { get; }

    public long MaxAllocation { get; }

    public uint MaxStorageBufferRange { get; }

    public uint MaxComputeWorkGroupCount { get; }

    public bool BufferDeviceAddress { get; }

    public bool Storage8 { get; }

    public bool Storage16 { get; }

    public bool Int8 { get; }

    public bool Int16 { get; }

    public bool Int64 { get; }

    public bool Float16 { get; }

    public VkPhysicalDeviceMemoryProperties Memory { get; }

    /// <summary>The largest device-local heap, in bytes.</summary>
    public long MemoryBytes { get; }

    public int QueueFamily { get; }

    /// <summary>Why Meridian cannot use this device; null when it can.</summary>
    public string? Problem { get; }

    /// <summary>Preference order: discrete, integrated, virtual, then CPU implementations (lavapipe) last.</summary>
    public int Rank => Type switch
    {
        VkPhysicalDeviceType.DiscreteGpu => 0,
        VkPhysicalDeviceType.IntegratedGpu => 1,
        VkPhysicalDeviceType.VirtualGpu => 2,
        VkPhysicalDeviceType.Cpu => 3,
        _ => 4,
    };

    /// <summary>"fp16 (storage, arithmetic), int8, subgroup 8, bda": what `meridian devices` shows.</summary>
    public string Features =>
        $"subgroup {SubgroupSize}{(SubgroupShuffle ? " with shuffle" : "")}, fp16 arithmetic {(Float16 ? "yes" : "no")}, int8 {(Int8 ? "yes" : "no")}, buffer device address, max allocation {MaxAllocation >> 20} MiB";
}
