// Host memory behind a CPU device buffer: either owned (64-byte aligned native memory) or a view
// of caller-owned memory (a weight in the memory map, used in place).
using System.Runtime.InteropServices;
using Meridian.Core.Backends;

namespace Meridian.Backends.Cpu;

/// <summary>A CPU buffer: a raw pointer and a length.</summary>
internal sealed unsafe class CpuBuffer : IDeviceBuffer
{
    private readonly bool _owned;

    private CpuBuffer(IDevice device, BufferUsage usage, byte* pointer, long length, bool owned)
    {
        Device = device;
        Usage = usage;
        Pointer = pointer;
        ByteLength = length;
        _owned = owned;
    }

    public IDevice Device { get; }

    public BufferUsage Usage { get; }

    public long ByteLength { get; }

    /// <summary>Start of the memory; valid until disposed (owned) or while the caller's memory lives (view).</summary>
    public byte* Pointer { get; private set; }

    public static CpuBuffer Allocate(IDevice device, long bytes, BufferUsage usage)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        byte* p = (byte*)NativeMemory.AlignedAlloc((nuint)Math.Max(bytes, 1), 64);
        NativeMemory.Clear(p, (nuint)bytes);
        return new CpuBuffer(device, usage, p, bytes, owned: true);
    }

    public static CpuBuffer View(IDevice device, byte* pointer, long bytes) => new(device, BufferUsage.Weights, pointer, bytes, owned: false);

    public void Dispose()
    {
        if (_owned && Pointer != null)
            NativeMemory.AlignedFree(Pointer);
        Pointer = null;
    }
}
