// The twelve ops of contract v1 as mb_op descriptors (operand slots as native/include/meridian_backend.h lists
// them). Shapes are checked by the plugin, which names the operand; here only that every tensor is this device's.
using Meridian.Backends.Native.Interop;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Backends.Native;

internal sealed unsafe partial class NativeComputeStream
{
    /// <inheritdoc />
    public void EmbeddingLookup(DeviceTensor table, DeviceTensor ids, DeviceTensor dst) =>
        Record2(BackendOp.EmbeddingLookup, table, ids, dst);

    /// <inheritdoc />
    public void MatMul(DeviceTensor w, DeviceTensor x, DeviceTensor y) => Record2(BackendOp.MatMul, w, x, y);

    /// <inheritdoc />
    public void RmsNorm(DeviceTensor x, DeviceTensor weight, float eps, DeviceTensor dst)
    {
        var op = Op(BackendOp.RmsNorm, dst, x, weight);
        op.Params.RmsNorm.Eps = eps;
        Record(op);
    }

    /// <inheritdoc />
    public void Rope(DeviceTensor x, DeviceTensor positions, RopeSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var op = spec.FreqFactors is { } factors
            ? Op(BackendOp.Rope, x, x, positions, FactorsTensor(factors))
            : Op(BackendOp.Rope, x, x, positions);
        if (spec.FreqFactors is null)
        {
            op.SourceCount = 3; // the frequency divisors' slot is there, and absent (no buffer)
            op.Src[2].DType = (uint)DType.F32;
        }
        op.Params.Rope = new MbRopeParams
        {
            HeadDim = (uint)spec.HeadDim,
            Layout = spec.Layout == RopeLayout.RotateHalf ? 1u : 0u,
            Theta = spec.Theta,
        };
        Record(op);
    }

    /// <inheritdoc />
    public void ScatterRows(DeviceTensor src, DeviceTensor rows, DeviceTensor dst) => Record2(BackendOp.ScatterRows, src, rows, dst);

    /// <inheritdoc />
    public void GatherRows(DeviceTensor src, DeviceTensor rows, DeviceTensor dst) => Record2(BackendOp.GatherRows, src, rows, dst);

    /// <inheritdoc />
    public void PagedAttention(DeviceTensor q, DeviceTensor keyCache, DeviceTensor valueCache, in PagedAttentionBatch batch,
        in AttentionParams p, DeviceTensor dst)
    {
        p.Validate();
        var op = Op(BackendOp.PagedAttention, dst, q, keyCache, valueCache, batch.Sequences, batch.BlockTables);
        op.Params.Attention = new MbAttentionParams
        {
            NumHeads = (uint)p.NumHeads,
            NumKvHeads = (uint)p.NumKvHeads,
            HeadDim = (uint)p.HeadDim,
            BlockSize = (uint)batch.BlockSize,
            MaxContextLength = (uint)batch.MaxContextLength,
            SlidingWindow = p.SlidingWindow,
            Scale = p.Scale,
            Softcap = p.Softcap,
        };
        Record(op);
    }

    /// <inheritdoc />
    public void SwiGlu(DeviceTensor gate, DeviceTensor up, DeviceTensor dst) => Record2(BackendOp.SwiGlu, gate, up, dst);

    /// <inheritdoc />
    public void Add(DeviceTensor a, DeviceTensor b, DeviceTensor dst) => Record2(BackendOp.Add, a, b, dst);

    /// <inheritdoc />
    public void Softmax(DeviceTensor x) => Record(Op(BackendOp.Softmax, x, x));

    /// <inheritdoc />
    public void Copy(DeviceTensor src, DeviceTensor dst) => Record(Op(BackendOp.Copy, dst, src));

    /// <inheritdoc />
    public void ArgMax(DeviceTensor x, DeviceTensor dst) => Record(Op(BackendOp.ArgMax, dst, x));

    private void Record2(BackendOp kind, in DeviceTensor a, in DeviceTensor b, in DeviceTensor dst) => Record(Op(kind, dst, a, b));

    private MbOp Op(BackendOp kind, in DeviceTensor dst, params ReadOnlySpan<DeviceTensor> sources)
    {
        string name = kind.Name();
        var op = OpDescriptors.New(kind, sources.Length);
        for (int i = 0; i < sources.Length; i++)
            op.Src[i] = OpDescriptors.Tensor(BufferOf(sources[i], name, $"src[{i}]"), sources[i]);
        op.Dst = OpDescriptors.Tensor(BufferOf(dst, name, "dst"), dst);
        return op;
    }

    /// <summary>The frequency divisors as a [1, Dh/2] f32 device tensor, uploaded once per array.</summary>
    private DeviceTensor FactorsTensor(float[] factors)
    {
        if (!_ropeFactors.TryGetValue(factors, out var buffer))
        {
            buffer = (NativeBuffer)_device.Allocate((long)factors.Length * sizeof(float), BufferUsage.Scratch);
            _ropeFactors[factors] = buffer;
            Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(factors.AsSpan()), DeviceTensor.F32(buffer, 1, factors.Length));
        }
        return DeviceTensor.F32(buffer, 1, factors.Length);
    }
}
