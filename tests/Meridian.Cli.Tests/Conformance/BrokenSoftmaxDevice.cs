// A CPU device whose Softmax forgets to subtract the row maximum and to normalise (it writes exp(x)): the
// kind of wrong result `meridian conformance` must catch and name.
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Cli.Tests.Conformance;

internal sealed class BrokenSoftmaxDevice(IDevice inner) : IDevice
{
    public string Name => $"broken softmax over {inner.Name}";

    public DeviceKind Kind => inner.Kind;

    public long MemoryBytes => inner.MemoryBytes;

    public long MaxAllocationBytes => inner.MaxAllocationBytes;

    public bool Supports(BackendOp op, DType type) => inner.Supports(op, type);

    public IDeviceBuffer Allocate(long bytes, BufferUsage usage) => inner.Allocate(bytes, usage);

    public IDeviceBuffer LoadWeights(WeightData weight, WeightUse use, IProgress<long>? progress = null) => inner.LoadWeights(weight, use, progress);

    public IComputeStream CreateStream() => new Stream(this, inner.CreateStream());

    public void Dispose() => inner.Dispose();

    private sealed class Stream(IDevice device, IComputeStream inner) : IComputeStream
    {
        public IDevice Device => device;

        public void Softmax(DeviceTensor x)
        {
            var values = new float[x.Rows * x.Cols];
            inner.Download(x, values);
            for (int i = 0; i < values.Length; i++)
                values[i] = MathF.Exp(values[i]);
            inner.Upload(values, x);
        }

        public void BeginStep() => inner.BeginStep();
        public void SubmitStep() => inner.SubmitStep();
        public void Write(ReadOnlySpan<byte> source, DeviceTensor dst) => inner.Write(source, dst);
        public void Read(DeviceTensor src, Span<byte> destination) => inner.Read(src, destination);
        public void Synchronize() => inner.Synchronize();
        public void EmbeddingLookup(DeviceTensor table, DeviceTensor ids, DeviceTensor dst) => inner.EmbeddingLookup(table, ids, dst);
        public void MatMul(DeviceTensor w, DeviceTensor x, DeviceTensor y) => inner.MatMul(w, x, y);
        public void RmsNorm(DeviceTensor x, DeviceTensor weight, float eps, DeviceTensor dst) => inner.RmsNorm(x, weight, eps, dst);
        public void Rope(DeviceTensor x, DeviceTensor positions, RopeSpec spec) => inner.Rope(x, positions, spec);
        public void ScatterRows(DeviceTensor src, DeviceTensor rows, DeviceTensor dst) => inner.ScatterRows(src, rows, dst);
        public void GatherRows(DeviceTensor src, DeviceTensor rows, DeviceTensor dst) => inner.GatherRows(src, rows, dst);
        public void PagedAttention(DeviceTensor q, DeviceTensor keyCache, DeviceTensor valueCache, in PagedAttentionBatch batch, in AttentionParams p, DeviceTensor dst) =>
            inner.PagedAttention(q, keyCache, valueCache, batch, p, dst);
        public void SwiGlu(DeviceTensor gate, DeviceTensor up, DeviceTensor dst) => inner.SwiGlu(gate, up, dst);
        public void GeGlu(DeviceTensor gate, DeviceTensor up, DeviceTensor dst) => inner.GeGlu(gate, up, dst);
        public void Scale(DeviceTensor x, float scale, DeviceTensor dst) => inner.Scale(x, scale, dst);
        public void Softcap(DeviceTensor x, float cap, DeviceTensor dst) => inner.Softcap(x, cap, dst);
        public void MoeRoute(DeviceTensor logits, int k, bool renormalize, DeviceTensor ids, DeviceTensor weights) => inner.MoeRoute(logits, k, renormalize, ids, weights);
        public void MoeFeedForward(DeviceTensor x, ExpertSet experts, DeviceTensor ids, DeviceTensor weights, DeviceTensor dst) => inner.MoeFeedForward(x, experts, ids, weights, dst);
        public void Add(DeviceTensor a, DeviceTensor b, DeviceTensor dst) => inner.Add(a, b, dst);
        public void Copy(DeviceTensor src, DeviceTensor dst) => inner.Copy(src, dst);
        public void ArgMax(DeviceTensor x, DeviceTensor dst) => inner.ArgMax(x, dst);
        public void Dispose() => inner.Dispose();
    }
}
