// A weight handed to IDevice.LoadWeights the way a model loader hands one: WeightData over pinned host memory
// that stays alive and unchanged while the device buffer lives (a host device may use it in place).
using System.Runtime.InteropServices;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Conformance.Checking;

/// <summary>Native memory holding a weight's bytes, and the <see cref="WeightData"/> describing it.</summary>
internal sealed unsafe class PinnedWeight : IDisposable
{
    private byte* _memory;

    public PinnedWeight(string name, DType type, int rows, int cols, ReadOnlySpan<byte> bytes)
    {
        _memory = (byte*)NativeMemory.AlignedAlloc((nuint)Math.Max(bytes.Length, 1), 64);
        bytes.CopyTo(new Span<byte>(_memory, bytes.Length));
        Data = WeightData.FromPinned(name, type, rows, cols, _memory, bytes.Length);
    }

    public WeightData Data { get; }

    public void Dispose()
    {
        if (_memory != null)
            NativeMemory.AlignedFree(_memory);
        _memory = null;
    }
}
