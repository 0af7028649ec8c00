// Device memory of a plugin (an mb_buffer*), freed through the plugin when disposed.
using Meridian.Core.Backends;

namespace Meridian.Backends.Native;

/// <summary>A buffer allocated by a plugin's buffer_alloc.</summary>
internal sealed unsafe class NativeBuffer(NativeDevice device, nint handle, long byteLength, BufferUsage usage) : IDeviceBuffer
{
    private nint _handle = handle;

    /// <inheritdoc />
    public IDevice Device => device;

    internal NativeDevice Owner => device;

    /// <inheritdoc />
    public BufferUsage Usage => usage;

    /// <inheritdoc />
    public long ByteLength => byteLength;

    /// <summary>The mb_buffer*; throws once disposed.</summary>
    internal nint Handle => _handle != 0 ? _handle : throw new ObjectDisposedException(nameof(NativeBuffer), $"a {usage} buffer of {device.Name} was used after it was freed");

    /// <inheritdoc />
    public void Dispose()
    {
        nint h = Interlocked.Exchange(ref _handle, 0);
        if (h == 0)
            return;
        lock (device.Gate)
            device.Plugin.Api->BufferFree(h);
    }
}
