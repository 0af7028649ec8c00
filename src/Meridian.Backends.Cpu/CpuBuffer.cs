// Host memory behind a CPU device buffer: either owned (64-byte aligned native memory) or a view
// of caller-owned memory (a weight in the memory map, used in place). An owned buffer may hold a
// matmul weight in the packed layout of Kernels/WeightPacking, which only MatMul reads.
using System.Runtime.InteropServices;
using Meridian.Core.Backends;

namespace Meridian.Backends.Cpu;

/// <summary>A CPU buffer: a raw pointer and a length.</summary>
internal sealed unsafe class CpuBuffer : IDeviceBuffer
{
    private const int Alignment = 64;
    private void* _block; // what calloc returned (owned buffers); Pointer is it rounded up to Alignment

    private CpuBuffer(IDevice device, BufferUsage usage, byte* pointer, long length, void* block, bool packed = false)
    {
        Packed = packed;
        Device = device;
        Usage = usage;
        Pointer = pointer;
        ByteLength = length;
        _block = block;
    }

    public IDevice Device { get; }

    public BufferUsage Usage { get; }

    public long ByteLength { get; }

    /// <summary>True when the bytes are a weight matrix in WeightPacking's layout (rows of packed groups), not its file layout.</summary>
    public bool Packed { get; }

    /// <summary>Start of the memory; valid until disposed (owned) or while the caller's memory lives (view).</summary>
    public byte* Pointer { get; private set; }

    public static CpuBuffer Allocate(IDevice device, long bytes, BufferUsage usage)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        // calloc rather than aligned alloc + clear: large blocks come zeroed from mmap and are only
        // touched when used, so a KV cache or [B, V] logits sized for the worst case costs nothing at
        // start-up (clearing them was ~10 ms and 25 MB resident for TinyLlama before the first token).
        void* block = NativeMemory.AllocZeroed((nuint)bytes + Alignment);
        byte* p = (byte*)(((nuint)block + Alignment) & ~(nuint)(Alignment - 1));
        return new CpuBuffer(device, usage, p, bytes, block);
    }

    /// <summary>
    /// An owned buffer for a weight in WeightPacking's layout, not cleared (the packing writes every byte),
    /// on huge pages (its whole 2 MiB stretches) where the OS gives them.
    /// </summary>
    public static CpuBuffer AllocatePacked(IDevice device, long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        byte* p = (byte*)NativeMemory.AlignedAlloc((nuint)Math.Max(bytes, 1), PageAdvice.HugePageBytes);
        // Whole huge pages only: a huge page over the tail would make up to 2 MiB resident per weight for nothing.
        PageAdvice.PreferHugePages(p, bytes / PageAdvice.HugePageBytes * PageAdvice.HugePageBytes);
        return new CpuBuffer(device, BufferUsage.Weights, p, bytes, p, packed: true);
    }

    public static CpuBuffer View(IDevice device, byte* pointer, long bytes) => new(device, BufferUsage.Weights, pointer, bytes, block: null);

    public void Dispose()
    {
        if (_block != null && Packed)
            NativeMemory.AlignedFree(_block);
        else if (_block != null)
            NativeMemory.Free(_block);
        _block = null;
        Pointer = null;
    }
}
