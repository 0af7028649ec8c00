// A test "primary" for FallbackDevice: a CPU device that declares some (op, dtype) pairs unsupported and fails
// the test if one of them, or a tensor living on another device, ever reaches its stream.
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Backends.Cpu.Tests.Fallback;

/// <summary>Wraps <paramref name="inner"/>, lacking <paramref name="lacks"/>; buffers and weights are the inner device's.</summary>
internal sealed class RestrictedDevice(CpuDevice inner, IReadOnlyCollection<(BackendOp Op, DType Type)> lacks) : IDevice
{
    private readonly HashSet<(BackendOp, DType)> _lacks = [.. lacks];

    public CpuDevice Inner { get; } = inner;

    /// <summary>Ops run on this device's streams, all streams together.</summary>
    public int OpsRun;

    public string Name => "restricted";

    public DeviceKind Kind => DeviceKind.Gpu;

    public long MemoryBytes => Inner.MemoryBytes;

    public long MaxAllocationBytes => Inner.MaxAllocationBytes;

    public bool Supports(BackendOp op, DType type) => !_lacks.Contains((op, type)) && Inner.Supports(op, type);

    public IDeviceBuffer Allocate(long bytes, BufferUsage usage) => Inner.Allocate(bytes, usage);

    public IDeviceBuffer LoadWeights(WeightData weight, WeightUse use, IProgress<long>? progress = null) =>
        Inner.LoadWeights(weight, use, progress);

    public IComputeStream CreateStream() => new Stream(this, Inner.CreateStream());

    public void Dispose() => Inner.Dispose();

    private sealed class Stream(RestrictedDevice device, IComputeStream inner) : IComputeStream
    {
        public IDevice Device => device;

        public void BeginStep() => inner.BeginStep();

        public void SubmitStep() => inner.SubmitStep();

        public void Write(ReadOnlySpan<byte> source, DeviceTensor dst) => inner.Write(source, Mine(dst));

        public void Read(DeviceTensor src, Span<byte> destination) => inner.Read(Mine(src), destination);

        public void Synchronize() => inner.Synchronize();

        public void EmbeddingLookup(DeviceTensor table, DeviceTensor ids, DeviceTensor dst)
        {
            Op(BackendOp.EmbeddingLookup, table.Type);
            inner.EmbeddingLookup(Mine(table), Mine(ids), Mine(dst));
        }

        public void MatMul(DeviceTensor w, DeviceTensor x, DeviceTensor y)
        {
            Op(BackendOp.MatMul, w.Type);
            inner.MatMul(Mine(w), Mine(x), Mine(y));
        }

        public void MatMulShared(DeviceTensor x, ReadOnlySpan<DeviceTensor> ws, ReadOnlySpan<DeviceTensor> ys)
        {
            Mine(x);
            for (int i = 0; i < ws.Length; i++)
            {
                Op(BackendOp.MatMul, ws[i].Type);
                Mine(ws[i]);
                Mine(ys[i]);
            }
            inner.MatMulShared(x, ws, ys);
        }

        public void RmsNorm(DeviceTensor x, DeviceTensor weight, float eps, DeviceTensor dst)
        {
            Op(BackendOp.RmsNorm, DType.F32);
            inner.RmsNorm(Mine(x), Mine(weight), eps, Mine(dst));
        }

        public void Rope(DeviceTensor x, DeviceTensor positions, RopeSpec spec)
        {
            Op(BackendOp.Rope, DType.F32);
            inner.Rope(Mine(x), Mine(positions), spec);
        }

        public void ScatterRows(DeviceTensor src, DeviceTensor rows, DeviceTensor dst)
        {
            Op(BackendOp.ScatterRows, dst.Type);
            inner.ScatterRows(Mine(src), Mine(rows), Mine(dst));
        }

        public void GatherRows(DeviceTensor src, DeviceTensor rows, DeviceTensor dst)
        {
            Op(BackendOp.GatherRows, DType.F32);
            inner.GatherRows(Mine(src), Mine(rows), Mine(dst));
        }

        public void PagedAttention(DeviceTensor q, DeviceTensor keyCache, DeviceTensor valueCache, in PagedAttentionBatch batch,
            in AttentionParams p, DeviceTensor dst)
        {
            Op(BackendOp.PagedAttention, keyCache.Type);
            Mine(batch.Sequences);
            Mine(batch.BlockTables);
            inner.PagedAttention(Mine(q), Mine(keyCache), Mine(valueCache), batch, p, Mine(dst));
        }

        public void SwiGlu(DeviceTensor gate, DeviceTensor up, DeviceTensor dst)
        {
            Op(BackendOp.SwiGlu, DType.F32);
            inner.SwiGlu(Mine(gate), Mine(up), Mine(dst));
        }

        public void GeGlu(DeviceTensor gate, DeviceTensor up, DeviceTensor dst)
        {
            Op(BackendOp.GeGlu, DType.F32);
            inner.GeGlu(Mine(gate), Mine(up), Mine(dst));
        }

        public void Scale(DeviceTensor x, float scale, DeviceTensor dst)
        {
            Op(BackendOp.Scale, DType.F32);
            inner.Scale(Mine(x), scale, Mine(dst));
        }

        public void Softcap(DeviceTensor x, float cap, DeviceTensor dst)
        {
            Op(BackendOp.Softcap, DType.F32);
            inner.Softcap(Mine(x), cap, Mine(dst));
        }

        public void MoeRoute(DeviceTensor logits, int k, bool renormalize, DeviceTensor ids, DeviceTensor weights)
        {
            Op(BackendOp.MoeRoute, DType.F32);
            inner.MoeRoute(Mine(logits), k, renormalize, Mine(ids), Mine(weights));
        }

        public void MoeFeedForward(DeviceTensor x, ExpertSet experts, DeviceTensor ids, DeviceTensor weights, DeviceTensor dst)
        {
            Op(BackendOp.MoeFeedForward, experts.Type);
            inner.MoeFeedForward(Mine(x), experts with { Gate = experts.Gate.Select(Mine).ToList(), Up = experts.Up.Select(Mine).ToList(), Down = experts.Down.Select(Mine).ToList() },
                Mine(ids), Mine(weights), Mine(dst));
        }

        public void Add(DeviceTensor a, DeviceTensor b, DeviceTensor dst)
        {
            Op(BackendOp.Add, DType.F32);
            inner.Add(Mine(a), Mine(b), Mine(dst));
        }

        public void Softmax(DeviceTensor x)
        {
            Op(BackendOp.Softmax, DType.F32);
            inner.Softmax(Mine(x));
        }

        public void Copy(DeviceTensor src, DeviceTensor dst)
        {
            Op(BackendOp.Copy, src.Type);
            inner.Copy(Mine(src), Mine(dst));
        }

        public void ArgMax(DeviceTensor x, DeviceTensor dst)
        {
            Op(BackendOp.ArgMax, DType.F32);
            inner.ArgMax(Mine(x), Mine(dst));
        }

        public void Dispose() => inner.Dispose();

        private void Op(BackendOp op, DType type)
        {
            if (!device.Supports(op, type))
                throw new InvalidOperationException($"{op.Name()} on {type.Name()} reached the primary, which does not support it");
            Interlocked.Increment(ref device.OpsRun);
        }

        // Both devices are CPUs, so the inner stream would run on the fallback's memory without noticing: refuse it.
        private DeviceTensor Mine(DeviceTensor t) => ReferenceEquals(t.Buffer.Device, device.Inner)
            ? t
            : throw new InvalidOperationException($"a tensor of {t.Buffer.Device.Name} reached the primary");
    }
}
