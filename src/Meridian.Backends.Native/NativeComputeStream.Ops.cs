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
        ref var op = ref Op(BackendOp.RmsNorm, dst, x, weight);
        op.Params.RmsNorm.Eps = eps;
        Commit();
    }

    /// <inheritdoc />
    public void Rope(DeviceTensor x, DeviceTensor positions, RopeSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.IsExtended)
            throw new UnsupportedOpException($"rope with a rotary width of {spec.RotaryDims} of {spec.HeadDim} or an attention factor of {spec.AttnFactor} " +
                "is contract 1.1; the plugin ABI 1.0 cannot carry it (the device reports the variant unsupported, so run rope on a fallback device)");
        ref var op = ref spec.FreqFactors is { } factors
            ? ref Op(BackendOp.Rope, x, x, positions, FactorsTensor(factors))
            : ref Op(BackendOp.Rope, x, x, positions);
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
        Commit();
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
        if (p.Sinks is not null)
            throw new UnsupportedOpException("paged attention with sinks is contract 1.1; the plugin ABI 1.0 cannot carry it (the device reports the variant unsupported)");
        ref var op = ref Op(BackendOp.PagedAttention, dst, q, keyCache, valueCache, batch.Sequences, batch.BlockTables);
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
        Commit();
    }

    /// <inheritdoc />
    public void SwiGlu(DeviceTensor gate, DeviceTensor up, DeviceTensor dst) => Record2(BackendOp.SwiGlu, gate, up, dst);

    /// <inheritdoc />
    public void GeGlu(DeviceTensor gate, DeviceTensor up, DeviceTensor dst) => throw NotInAbi(BackendOp.GeGlu);

    /// <inheritdoc />
    public void Scale(DeviceTensor x, float scale, DeviceTensor dst) => throw NotInAbi(BackendOp.Scale);

    /// <inheritdoc />
    public void Softcap(DeviceTensor x, float cap, DeviceTensor dst) => throw NotInAbi(BackendOp.Softcap);

    /// <inheritdoc />
    public void MoeRoute(DeviceTensor logits, int k, bool renormalize, DeviceTensor ids, DeviceTensor weights) => throw NotInAbi(BackendOp.MoeRoute);

    /// <inheritdoc />
    public void MoeFeedForward(DeviceTensor x, ExpertSet experts, DeviceTensor ids, DeviceTensor weights, DeviceTensor dst) => throw NotInAbi(BackendOp.MoeFeedForward);

    // Ops of contract 1.1 that plugin ABI 1.0 cannot carry: the device answers Supports false for them, so a model
    // places them on the fallback device and this is reached only by a caller that did not ask.
    private static UnsupportedOpException NotInAbi(BackendOp op) =>
        new($"{op.Name()} is not an op of the plugin ABI 1.0 (contract 1.0); the device reports it unsupported, so run it on a fallback device");

    /// <inheritdoc />
    public void Add(DeviceTensor a, DeviceTensor b, DeviceTensor dst) => Record2(BackendOp.Add, a, b, dst);

    /// <inheritdoc />
    public void Softmax(DeviceTensor x)
    {
        Op(BackendOp.Softmax, x, x);
        Commit();
    }

    /// <inheritdoc />
    public void Copy(DeviceTensor src, DeviceTensor dst)
    {
        Op(BackendOp.Copy, dst, src);
        Commit();
    }

    /// <inheritdoc />
    public void ArgMax(DeviceTensor x, DeviceTensor dst)
    {
        Op(BackendOp.ArgMax, dst, x);
        Commit();
    }

    private void Record2(BackendOp kind, in DeviceTensor a, in DeviceTensor b, in DeviceTensor dst)
    {
        Op(kind, dst, a, b);
        Commit();
    }

    /// <summary>
    /// Describes the op in the next free slot of the step (filled in place: no copies of the 712-byte descriptor)
    /// and returns it for its parameters; <see cref="Commit"/> then adds it. A throw here leaves the step as it was.
    /// </summary>
    private ref MbOp Op(BackendOp kind, in DeviceTensor dst, params ReadOnlySpan<DeviceTensor> sources)
    {
        ThrowIfFaulted();
        if (_count == _capacity)
            Grow();
        ref var op = ref _ops[_count];
        OpDescriptors.Init(ref op, kind, sources.Length);
        for (int i = 0; i < sources.Length; i++)
            Describe(ref op.Src[i], sources[i], kind, i);
        Describe(ref op.Dst, dst, kind, -1);
        return ref op;
    }

    // One operand: checked to be this device's and inside its buffer, then described (the dtype's size looked up once).
    private void Describe(ref MbTensor m, in DeviceTensor t, BackendOp kind, int operand)
    {
        long rowBytes = t.RowBytes;
        if (t.Buffer is NativeBuffer b && b.Owner == _device && t.ByteOffset >= 0 && t.ByteOffset + rowBytes * t.Rows <= b.ByteLength)
            OpDescriptors.Fill(ref m, b.Handle, t, rowBytes);
        else
            BufferOf(t, kind.Name(), operand < 0 ? "dst" : $"src[{operand}]"); // throws, naming the operand
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
