// A kit tensor in its own device buffer with guard bytes on both sides (ggml test-backend-ops' sentinels):
// the buffer is [guard | tensor | guard], filled with a byte pattern, so an op that writes past its output (or
// before it) changes a guard, and the tensor sits at a non-zero byte offset, so an op that ignores
// DeviceTensor.ByteOffset reads or writes the wrong bytes.
using System.Runtime.InteropServices;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Conformance.Checking;

/// <summary>A guarded tensor; <see cref="Tensor"/> is what ops get.</summary>
internal sealed class GuardedTensor : IDisposable
{
    /// <summary>Bytes before the tensor, also its byte offset: 256, a multiple of any device's offset alignment we know of (Vulkan's minStorageBufferOffsetAlignment is at most 256).</summary>
    public const int GuardBytes = 256;

    // 0xDEADBEEF little-endian: as f32 a finite -6.3e18, as i32 a negative index; no op writes it by chance.
    private static readonly byte[] PatternWord = [0xEF, 0xBE, 0xAD, 0xDE];

    private readonly IDeviceBuffer _buffer;
    private readonly byte[] _written; // the whole buffer as last written by the kit: guards and tensor bytes

    private GuardedTensor(string name, IDeviceBuffer buffer, DeviceTensor tensor, byte[] written, bool isOutput)
    {
        Name = name;
        _buffer = buffer;
        Tensor = tensor;
        _written = written;
        IsOutput = isOutput;
    }

    /// <summary>The operand's name in messages ("x", "key cache").</summary>
    public string Name { get; }

    /// <summary>The view ops get: at byte offset <see cref="GuardBytes"/> of its buffer.</summary>
    public DeviceTensor Tensor { get; }

    /// <summary>True when an op writes it (its bytes are compared with the reference instead of checked unchanged).</summary>
    public bool IsOutput { get; set; }

    /// <summary>
    /// Allocates [guard | <paramref name="content"/> | guard] on the stream's device and writes it through the
    /// stream. The trailing guard is at least <see cref="GuardBytes"/> and pads the buffer to a multiple of 4.
    /// </summary>
    public static GuardedTensor Create(IComputeStream stream, string name, DType type, int rows, int cols, ReadOnlySpan<byte> content,
        BufferUsage usage, bool isOutput)
    {
        long bytes = type.ByteSize((long)rows * cols);
        if (content.Length != bytes)
            throw new ArgumentException($"{name}: {content.Length} bytes of content for a {type.Name()} [{rows}, {cols}] tensor ({bytes} bytes)");
        long total = GuardBytes + bytes + GuardBytes;
        total += (4 - total % 4) % 4;
        var written = new byte[total];
        for (int i = 0; i < written.Length; i++)
            written[i] = PatternWord[i % 4];
        content.CopyTo(written.AsSpan(GuardBytes));
        var buffer = stream.Device.Allocate(total, usage);
        try
        {
            stream.Write(written, Whole(buffer, total));
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
        return new GuardedTensor(name, buffer, new DeviceTensor(buffer, GuardBytes, type, rows, cols), written, isOutput);
    }

    /// <summary>The tensor's bytes as the kit wrote them.</summary>
    public ReadOnlySpan<byte> WrittenContent => _written.AsSpan(GuardBytes, (int)Tensor.ByteLength);

    /// <summary>Reads the whole buffer back; the tensor's bytes are <c>[GuardBytes, GuardBytes + Tensor.ByteLength)</c>.</summary>
    public byte[] ReadAll(IComputeStream stream)
    {
        var all = new byte[_written.Length];
        stream.Read(Whole(_buffer, all.Length), all);
        return all;
    }

    /// <summary>The tensor's bytes out of a <see cref="ReadAll"/> result.</summary>
    public ReadOnlySpan<byte> Content(byte[] all) => all.AsSpan(GuardBytes, (int)Tensor.ByteLength);

    /// <summary>The first byte of a guard that changed, as a message; null when both guards are intact.</summary>
    public string? CheckGuards(byte[] all)
    {
        int end = GuardBytes + (int)Tensor.ByteLength;
        for (int i = 0; i < all.Length; i++)
        {
            if (i == GuardBytes)
                i = end;
            if (i < all.Length && all[i] != _written[i])
            {
                return i < GuardBytes
                    ? $"wrote {GuardBytes - i} bytes before '{Name}' (guard byte at offset -{GuardBytes - i} changed)"
                    : $"wrote past the end of '{Name}' (guard byte {i - end} after its last byte changed)";
            }
        }
        return null;
    }

    /// <summary>The first tensor byte that differs from what the kit wrote, as a message; null when unchanged.</summary>
    public string? CheckUnchanged(byte[] all)
    {
        var now = Content(all);
        var then = WrittenContent;
        int i = now.CommonPrefixLength(then);
        return i == now.Length ? null : $"changed its input '{Name}' (byte {i} of {now.Length})";
    }

    // The whole buffer as one f32 row: every device moves f32 tensors, and Write/Read are byte copies.
    private static DeviceTensor Whole(IDeviceBuffer buffer, long bytes) => new(buffer, 0, DType.F32, 1, checked((int)(bytes / 4)));

    public void Dispose() => _buffer.Dispose();
}
