// Argument checks of the reference stream: a tensor is a view of one of this device's live buffers, in bounds,
// of the dtype and shape the op needs. Messages name the op and the operand.
using System.Runtime.InteropServices;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Conformance.Reference;

internal sealed partial class ReferenceComputeStream
{
    // The bytes of t, after checking it lies inside a live buffer of this device.
    private unsafe Span<byte> Bytes(DeviceTensor t, string op, string name)
    {
        if (t.Buffer is not ReferenceBuffer buffer || buffer.Device != device)
            throw new ArgumentException($"{op}: {name} is not a buffer of this reference device");
        if (buffer.Pointer == null)
            throw new ObjectDisposedException($"{op}: {name}'s buffer was disposed");
        if (t.Rows < 0 || t.Cols < 0)
            throw new ArgumentException($"{op}: {name} has shape [{t.Rows}, {t.Cols}]");
        long length = t.ByteLength;
        if (t.ByteOffset < 0 || t.ByteOffset + length > buffer.ByteLength || length > int.MaxValue)
            throw new ArgumentException($"{op}: {name} (bytes {t.ByteOffset}..{t.ByteOffset + length}) does not fit its {buffer.ByteLength}-byte buffer");
        return new Span<byte>(buffer.Pointer + t.ByteOffset, (int)length);
    }

    // An f32 tensor of shape [rows, cols], as floats.
    private Span<float> Floats(DeviceTensor t, string op, string name, int rows, int cols)
    {
        if (t.Type != DType.F32)
            throw new ArgumentException($"{op}: {name} is {t.Type.Name()}; it must be f32");
        CheckShape(t, op, name, rows, cols);
        return MemoryMarshal.Cast<byte, float>(Bytes(t, op, name));
    }

    // An i32 tensor of shape [rows, cols], as ints.
    private Span<int> Ints(DeviceTensor t, string op, string name, int rows, int cols)
    {
        if (t.Type != DType.I32)
            throw new ArgumentException($"{op}: {name} is {t.Type.Name()}; it must be i32");
        CheckShape(t, op, name, rows, cols);
        return MemoryMarshal.Cast<byte, int>(Bytes(t, op, name));
    }

    private static void CheckShape(DeviceTensor t, string op, string name, int rows, int cols)
    {
        if (t.Rows != rows || t.Cols != cols)
            throw new ArgumentException($"{op}: {name} is [{t.Rows}, {t.Cols}]; the other operands need [{rows}, {cols}]");
    }

    private static void CheckIndexes(ReadOnlySpan<int> indexes, int count, string op, string name)
    {
        for (int i = 0; i < indexes.Length; i++)
        {
            if ((uint)indexes[i] >= (uint)count)
                throw new ArgumentOutOfRangeException(name, $"{op}: {name}[{i}] = {indexes[i]} is outside 0..{count - 1}");
        }
    }

    private void CheckSupported(BackendOp op, DType type, string name)
    {
        if (!device.Supports(op, type))
            throw new NotSupportedException($"{name}: the reference device does not run {op.Name()} on {type.Name()}");
    }
}
