// A weight as a backend receives it: its dtype and shape, where its bytes are in host memory (the memory map,
// used in place by host devices) and, where known, in which file at which offset (so a device may read it
// itself, in pieces, without the host holding a copy). Any size: lengths are 64-bit, never a span.
using Meridian.Core.Tensors;

namespace Meridian.Core.Backends;

/// <summary>
/// [<see cref="Rows"/>, <see cref="Cols"/>] values of <see cref="Type"/> (GGUF's block layout, ggml ne[0] = Cols),
/// <see cref="ByteLength"/> bytes at <see cref="Address"/>, which stay valid and unchanged while the model is loaded.
/// </summary>
public sealed record WeightData(string Name, DType Type, int Rows, int Cols, nint Address, long ByteLength)
{
    /// <summary>The file holding the bytes, when they come straight from one (else null).</summary>
    public string? FilePath { get; init; }

    /// <summary>Byte offset of the data in <see cref="FilePath"/>.</summary>
    public long FileOffset { get; init; }

    /// <summary>
    /// Bytes [offset, offset + destination.Length) of the weight copied into <paramref name="destination"/>:
    /// how a device uploads a weight of any size in pieces (through a staging buffer).
    /// </summary>
    public unsafe void CopyTo(long offset, Span<byte> destination)
    {
        if (offset < 0 || offset + destination.Length > ByteLength)
            throw new ArgumentOutOfRangeException(nameof(offset), $"bytes {offset}..{offset + destination.Length} of the {ByteLength}-byte weight '{Name}'");
        new ReadOnlySpan<byte>((byte*)Address + offset, destination.Length).CopyTo(destination);
    }

    /// <summary>The whole weight as one span; only for weights under 2 GiB (small tensors, tests).</summary>
    public unsafe ReadOnlySpan<byte> Span => ByteLength <= int.MaxValue
        ? new ReadOnlySpan<byte>((void*)Address, (int)ByteLength)
        : throw new InvalidOperationException($"weight '{Name}' has {ByteLength} bytes, more than one span holds; use CopyTo or Address");

    /// <summary>A weight over pinned managed or native memory the caller keeps alive (tests, synthetic models).</summary>
    public static unsafe WeightData FromPinned(string name, DType type, int rows, int cols, byte* address, long length) =>
        new(name, type, rows, cols, (nint)address, length);

    /// <summary>Checks the byte length is what the dtype and shape need; the message names the weight.</summary>
    public void Validate()
    {
        long expected = Type.ByteSize((long)Rows * Cols);
        if (Rows < 1 || Cols < 1 || ByteLength != expected)
            throw new ArgumentException($"weight '{Name}': {ByteLength} bytes is not a {Type.Name()} [{Rows}, {Cols}] tensor ({expected} bytes)");
    }
}

/// <summary>How the model will use a weight, so a device knows which layouts it may choose.</summary>
public enum WeightUse
{
    /// <summary>Any op may read it, at any byte offset (embedding tables, tied output matrices): the file layout is kept.</summary>
    Any,

    /// <summary>Only ever the weight operand of MatMul/MatMulShared, used whole: the device may keep a layout of its own.</summary>
    MatMulOnly,
}
