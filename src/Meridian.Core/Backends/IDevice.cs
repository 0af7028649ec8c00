// One device of a backend: capability queries, buffer allocation, streams.
using Meridian.Core.Tensors;

namespace Meridian.Core.Backends;

/// <summary>A compute device. Capability is stated up front through <see cref="Supports"/>.</summary>
public interface IDevice : IDisposable
{
    /// <summary>Human-readable name.</summary>
    string Name { get; }

    /// <summary>What kind of hardware this is.</summary>
    DeviceKind Kind { get; }

    /// <summary>Memory the device can allocate from, in bytes (host RAM for the CPU).</summary>
    long MemoryBytes { get; }

    /// <summary>Whether <paramref name="op"/> runs here with its weight (or table) operand in <paramref name="type"/>.</summary>
    bool Supports(BackendOp op, DType type);

    /// <summary>A zeroed buffer of <paramref name="bytes"/> bytes tagged <paramref name="usage"/>.</summary>
    IDeviceBuffer Allocate(long bytes, BufferUsage usage);

    /// <summary>
    /// A weights buffer holding <paramref name="data"/>. A host-memory device may use the bytes in
    /// place (a view of the memory map, no copy), so the caller keeps them alive and unchanged as long
    /// as the buffer is in use; other devices copy.
    /// </summary>
    IDeviceBuffer LoadWeights(ReadOnlySpan<byte> data);

    /// <summary>
    /// A weights buffer for a [<paramref name="rows"/>, <paramref name="cols"/>] matrix of
    /// <paramref name="type"/> that is only ever the weight operand of MatMul and MatMulShared, used
    /// whole (byte offset 0). The device may keep it in a layout of its own, which no other op reads
    /// (the CPU backend regroups Q4_0, Q8_0, Q4_K and Q6_K blocks for its int8 kernels); the caller keeps the
    /// bytes alive and unchanged as for <see cref="LoadWeights"/>, since a device may use them in place.
    /// </summary>
    IDeviceBuffer LoadMatMulWeights(ReadOnlySpan<byte> data, DType type, int rows, int cols) => LoadWeights(data);

    /// <summary>A new in-order stream of ops.</summary>
    IComputeStream CreateStream();
}
