// Host memory behind a ReferenceDevice buffer: owned native memory (zeroed) or a view of a weight the caller
// keeps alive (WeightData.Address, used in place as a host device may).
using System.Runtime.InteropServices;
using Meridian.Core.Backends;

namespace Meridian.Conformance.Reference;

/// <summary>A reference-device buffer: a pointer and a length.</summary>
internal sealed unsafe class ReferenceBuffer : IDeviceBuffer
{
    private byte* _owned; // null for views

    private ReferenceBuffer(IDevice device, BufferUsage usage, byte* pointer, long length, bool owned)
    {
        Device = device;
        Usage = usage;
        Pointer = pointer;
        ByteLength = length;
        _owned = owned ? pointer : null;
    }

    public IDevice Device { get; }

    public BufferUsage Usage { get; }

    public long ByteLength { get; }

    /// <summary>Start of the memory; null once disposed.</summary>
    public byte* Pointer { get; private set; }

    public static ReferenceBuffer Allocate(IDevice device, long bytes, BufferUsage usage)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        var p = (byte*)NativeMemory.AlignedAlloc((nuint)Math.Max(bytes, 1), 64);
        NativeMemory.Clear(p, (nuint)bytes);
        return new ReferenceBuffer(device, usage, p, bytes, owned: true);
    }

    public static ReferenceBuffer View(IDevice device, nint address, long bytes) =>
        new(device, BufferUsage.Weights, (byte*)address, bytes, owned: false);

    public void Dispose()
    {
        if (_owned != null)
            NativeMemory.AlignedFree(_owned);
        _owned = null;
        Pointer = null;
    }
}
