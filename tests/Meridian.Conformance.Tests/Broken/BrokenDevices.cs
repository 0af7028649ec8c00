// Test backends broken on purpose, one fault each, over a working device (the CPU): the conformance kit must
// fail each, naming the op, dtype and shape. The faults are the kinds a new backend really has.
using System.Runtime.InteropServices;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Conformance.Tests.Broken;

/// <summary>(a) A wrong result in one op: SwiGlu with gate and up swapped (silu(up) · gate).</summary>
internal sealed class SwappedSwiGluDevice(IDevice inner) : DelegatingDevice(inner)
{
    protected override IComputeStream Wrap(IComputeStream stream) => new Stream(this, stream);

    private sealed class Stream(IDevice device, IComputeStream inner) : DelegatingStream(device, inner)
    {
        public override void SwiGlu(DeviceTensor gate, DeviceTensor up, DeviceTensor dst) => Inner.SwiGlu(up, gate, dst);
    }
}

/// <summary>(b) A write past the output: Add stores one f32 after its last element (an off-by-one tail loop).</summary>
internal sealed class AddWritesPastEndDevice(IDevice inner) : DelegatingDevice(inner)
{
    protected override IComputeStream Wrap(IComputeStream stream) => new Stream(this, stream);

    private sealed class Stream(IDevice device, IComputeStream inner) : DelegatingStream(device, inner)
    {
        public override void Add(DeviceTensor a, DeviceTensor b, DeviceTensor dst)
        {
            Inner.Add(a, b, dst);
            Inner.Write(MemoryMarshal.AsBytes<float>([1f]), new DeviceTensor(dst.Buffer, dst.ByteOffset + dst.ByteLength, DType.F32, 1, 1));
        }
    }
}

/// <summary>(c) A NaN: RmsNorm's last row gets a NaN in column 0 (a 0/0 on a partial vector, say).</summary>
internal sealed class RmsNormNaNDevice(IDevice inner) : DelegatingDevice(inner)
{
    protected override IComputeStream Wrap(IComputeStream stream) => new Stream(this, stream);

    private sealed class Stream(IDevice device, IComputeStream inner) : DelegatingStream(device, inner)
    {
        public override void RmsNorm(DeviceTensor x, DeviceTensor weight, float eps, DeviceTensor dst)
        {
            Inner.RmsNorm(x, weight, eps, dst);
            Inner.Write(MemoryMarshal.AsBytes<float>([float.NaN]), dst.SliceRows(dst.Rows - 1, 1).Reshape(dst.Cols, 1).SliceRows(0, 1));
        }
    }
}

/// <summary>
/// (d) A claimed dtype computed wrongly: iq4_nl matmuls run the q4_0 kernel. The two have the same block size
/// and bytes per block (an f16 scale and 16 bytes of nibbles), so nothing crashes; only the values are wrong.
/// </summary>
internal sealed class Iq4NlAsQ4_0Device(IDevice inner) : DelegatingDevice(inner)
{
    public override bool Supports(BackendOp op, DType type) => (op == BackendOp.MatMul && type == DType.IQ4_NL) || Inner.Supports(op, type);

    // Loaded as the q4_0 the stream will tell the inner device it is, so a device that repacks by dtype agrees.
    public override IDeviceBuffer LoadWeights(WeightData weight, WeightUse use, IProgress<long>? progress = null) =>
        Inner.LoadWeights(weight.Type == DType.IQ4_NL ? weight with { Type = DType.Q4_0 } : weight, use, progress);

    protected override IComputeStream Wrap(IComputeStream stream) => new Stream(this, stream);

    private sealed class Stream(IDevice device, IComputeStream inner) : DelegatingStream(device, inner)
    {
        public override void MatMul(DeviceTensor w, DeviceTensor x, DeviceTensor y) =>
            Inner.MatMul(w.Type == DType.IQ4_NL ? w with { Type = DType.Q4_0 } : w, x, y);

        public override void EmbeddingLookup(DeviceTensor table, DeviceTensor ids, DeviceTensor dst) =>
            Inner.EmbeddingLookup(table.Type == DType.IQ4_NL ? table with { Type = DType.Q4_0 } : table, ids, dst);
    }
}

/// <summary>An op that leaves its output's last row unwritten (a grid one block short).</summary>
internal sealed class GatherSkipsLastRowDevice(IDevice inner) : DelegatingDevice(inner)
{
    protected override IComputeStream Wrap(IComputeStream stream) => new Stream(this, stream);

    private sealed class Stream(IDevice device, IComputeStream inner) : DelegatingStream(device, inner)
    {
        public override void GatherRows(DeviceTensor src, DeviceTensor rows, DeviceTensor dst)
        {
            if (dst.Rows > 1)
                Inner.GatherRows(src, rows.SliceRows(0, rows.Rows - 1), dst.SliceRows(0, dst.Rows - 1));
        }
    }
}

/// <summary>An op that scribbles on an input: ArgMax zeroes its input's first value (scratch reused in place).</summary>
internal sealed class ArgMaxClobbersInputDevice(IDevice inner) : DelegatingDevice(inner)
{
    protected override IComputeStream Wrap(IComputeStream stream) => new Stream(this, stream);

    private sealed class Stream(IDevice device, IComputeStream inner) : DelegatingStream(device, inner)
    {
        public override void ArgMax(DeviceTensor x, DeviceTensor dst)
        {
            Inner.ArgMax(x, dst);
            Inner.Write(MemoryMarshal.AsBytes<float>([0f]), x.Reshape(x.Rows * x.Cols, 1).SliceRows(0, 1));
        }
    }
}

/// <summary>A device whose Supports throws for one dtype (it should answer false).</summary>
internal sealed class SupportsThrowsDevice(IDevice inner) : DelegatingDevice(inner)
{
    public override bool Supports(BackendOp op, DType type) =>
        type == DType.Q5_1 && op == BackendOp.Softmax ? throw new NotImplementedException("softmax on q5_1") : Inner.Supports(op, type);
}

/// <summary>
/// A matmul that depends on the batch: with more than one row it rounds the activations to f16 first (as a
/// device might pick a half-precision kernel for batches). Within the op-level bound, so only the model level's
/// batch-of-eight check can see it.
/// </summary>
internal sealed class BatchVariantMatMulDevice(IDevice inner) : DelegatingDevice(inner)
{
    protected override IComputeStream Wrap(IComputeStream stream) => new Stream(this, stream);

    private sealed class Stream(IDevice device, IComputeStream inner) : DelegatingStream(device, inner)
    {
        public override void MatMul(DeviceTensor w, DeviceTensor x, DeviceTensor y)
        {
            if (x.Rows == 1)
            {
                Inner.MatMul(w, x, y);
                return;
            }
            var values = new float[x.Rows * x.Cols];
            Inner.Download(x, values);
            for (int i = 0; i < values.Length; i++)
                values[i] = (float)(Half)values[i];
            using var rounded = Device.Allocate(4L * values.Length, BufferUsage.Scratch);
            var xr = DeviceTensor.F32(rounded, x.Rows, x.Cols);
            Inner.Upload(values, xr);
            Inner.MatMul(w, xr, y);
        }
    }
}
