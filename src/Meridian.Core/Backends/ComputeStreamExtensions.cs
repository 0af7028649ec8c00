// Typed Write/Read over the byte-level transfers of IComputeStream: f32 activations and i32 step inputs.
using System.Runtime.InteropServices;
using Meridian.Core.Tensors;

namespace Meridian.Core.Backends;

/// <summary>Typed host transfers.</summary>
public static class ComputeStreamExtensions
{
    /// <summary>Writes f32 values into an f32 tensor of the same element count.</summary>
    public static void Upload(this IComputeStream stream, ReadOnlySpan<float> source, DeviceTensor dst)
    {
        if (dst.Type != DType.F32 || source.Length != (long)dst.Rows * dst.Cols)
            throw new ArgumentException($"Upload: {source.Length} f32 values into a {dst.Type.Name()} [{dst.Rows}, {dst.Cols}] tensor");
        stream.Write(MemoryMarshal.AsBytes(source), dst);
    }

    /// <summary>Writes i32 values into an i32 tensor of the same element count.</summary>
    public static void Upload(this IComputeStream stream, ReadOnlySpan<int> source, DeviceTensor dst)
    {
        if (dst.Type != DType.I32 || source.Length != (long)dst.Rows * dst.Cols)
            throw new ArgumentException($"Upload: {source.Length} i32 values into a {dst.Type.Name()} [{dst.Rows}, {dst.Cols}] tensor");
        stream.Write(MemoryMarshal.AsBytes(source), dst);
    }

    /// <summary>Reads an f32 tensor (waiting for the ops before it).</summary>
    public static void Download(this IComputeStream stream, DeviceTensor src, Span<float> destination)
    {
        if (src.Type != DType.F32 || destination.Length != (long)src.Rows * src.Cols)
            throw new ArgumentException($"Download: a {src.Type.Name()} [{src.Rows}, {src.Cols}] tensor into {destination.Length} f32 values");
        stream.Read(src, MemoryMarshal.AsBytes(destination));
    }

    /// <summary>Reads an i32 tensor (waiting for the ops before it).</summary>
    public static void Download(this IComputeStream stream, DeviceTensor src, Span<int> destination)
    {
        if (src.Type != DType.I32 || destination.Length != (long)src.Rows * src.Cols)
            throw new ArgumentException($"Download: a {src.Type.Name()} [{src.Rows}, {src.Cols}] tensor into {destination.Length} i32 values");
        stream.Read(src, MemoryMarshal.AsBytes(destination));
    }
}
