// Device memory: one VkBuffer with its own VkDeviceMemory, addressed by shaders through its buffer device address
// (so no descriptor sets, and no 128 MiB storage-buffer range to split under: a weight of any size is one buffer).
using Meridian.Core.Backends;
using Vortice.Vulkan;

namespace Meridian.Backends.Vulkan;

/// <summary>A buffer on a <see cref="VulkanDevice"/>; host-visible buffers (staging) are mapped for their lifetime.</summary>
internal sealed unsafe class VulkanBuffer : IDeviceBuffer
{
    private readonly VulkanDevice _device;
    private bool _disposed;

    public VulkanBuffer(VulkanDevice device, VkBuffer buffer, VkDeviceMemory memory, long bytes, BufferUsage usage, ulong address, void* mapped)
    {
        _device = device;
        Handle = buffer;
        Memory = memory;
        ByteLength = bytes;
        Usage = usage;
        Address = address;
        Mapped = (byte*)mapped;
    }

    /// <inheritdoc />
    public IDevice Device => _device;

    internal VulkanDevice Owner => _device;

    /// <inheritdoc />
    public BufferUsage Usage { get; }

    /// <inheritdoc />
    public long ByteLength { get; }

    public VkBuffer Handle { get; }

    public VkDeviceMemory Memory { get; }

    /// <summary>The buffer device address of byte 0.</summary>
    public ulong Address { get; }

    /// <summary>Host pointer of a host-visible buffer; null for device-local memory.</summary>
    public byte* Mapped { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _device.Free(this);
    }
}
