// Memory owned by (or mapped into) a device.
namespace Meridian.Core.Backends;

/// <summary>A device buffer; views of it are <see cref="DeviceTensor"/>s.</summary>
public interface IDeviceBuffer : IDisposable
{
    /// <summary>The owning device.</summary>
    IDevice Device { get; }

    /// <summary>Role of the buffer.</summary>
    BufferUsage Usage { get; }

    /// <summary>Size in bytes.</summary>
    long ByteLength { get; }
}
