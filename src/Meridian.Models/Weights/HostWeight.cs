// One weight as stored in a model file: dtype, [rows, cols] and the bytes (a view of the memory map).
using Meridian.Core.Tensors;

namespace Meridian.Models.Weights;

/// <summary>
/// A stored weight: [Rows, Cols] values of <see cref="Type"/> at <see cref="Address"/> (ggml ne[0] =
/// Cols; 1-D tensors are one row). The memory belongs to the open file and lives as long as it does.
/// </summary>
public sealed record HostWeight(string Name, DType Type, int Rows, int Cols, nint Address, long ByteLength)
{
    /// <summary>The file the bytes are in, at <see cref="FileOffset"/>, when they come straight from one (GGUF); else null.</summary>
    public string? FilePath { get; init; }

    /// <summary>Byte offset of the data in <see cref="FilePath"/>.</summary>
    public long FileOffset { get; init; }

    /// <summary>The stored bytes, without copying.</summary>
    public unsafe ReadOnlySpan<byte> Bytes => new((void*)Address, checked((int)ByteLength));
}
