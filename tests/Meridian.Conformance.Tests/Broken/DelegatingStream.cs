// A stream that forwards every op to another; the broken test backends override one op each.
using Meridian.Core.Backends;

namespace Meridian.Conformance.Tests.Broken;

internal class DelegatingStream(IDevice device, IComputeStream inner) : IComputeStream
{
    protected IComputeStream Inner => inner;

    public IDevice Device => device;

    public void BeginStep() => inner.BeginStep();

    public void SubmitStep() => inner.SubmitStep();

    public void Write(ReadOnlySpan<byte> source, DeviceTensor dst) => inner.Write(source, dst);

    public void Read(DeviceTensor src, Span<byte> destination) => inner.Read(src, destination);

    public void Synchronize() => inner.Synchronize();

    public virtual void EmbeddingLookup(DeviceTensor table, DeviceTensor ids, DeviceTensor dst) => inner.EmbeddingLookup(table, ids, dst);

    public virtual void MatMul(DeviceTensor w, DeviceTensor x, DeviceTensor y) => inner.MatMul(w, x, y);

    public virtual void MatMulShared(DeviceTensor x, ReadOnlySpan<DeviceTensor> ws, ReadOnlySpan<DeviceTensor> ys)
    {
        // Through this stream's MatMul, so a broken MatMul is broken here too.
        for (int i = 0; i < ws.Length; i++)
            MatMul(ws[i], x, ys[i]);
    }

    public virtual void RmsNorm(DeviceTensor x, DeviceTensor weight, float eps, DeviceTensor dst) => inner.RmsNorm(x, weight, eps, dst);

    public virtual void Rope(DeviceTensor x, DeviceTensor positions, RopeSpec spec) => inner.Rope(x, positions, spec);

    public virtual void ScatterRows(DeviceTensor src, DeviceTensor rows, DeviceTensor dst) => inner.ScatterRows(src, rows, dst);

    public virtual void GatherRows(DeviceTensor src, DeviceTensor rows, DeviceTensor dst) => inner.GatherRows(src, rows, dst);

    public virtual void PagedAttention(DeviceTensor q, DeviceTensor keyCache, DeviceTensor valueCache, in PagedAttentionBatch batch,
        in AttentionParams p, DeviceTensor dst) => inner.PagedAttention(q, keyCache, valueCache, batch, p, dst);

    public virtual void SwiGlu(DeviceTensor gate, DeviceTensor up, DeviceTensor dst) => inner.SwiGlu(gate, up, dst);

    public virtual void GeGlu(DeviceTensor gate, DeviceTensor up, DeviceTensor dst) => inner.GeGlu(gate, up, dst);

    public virtual void Scale(DeviceTensor x, float scale, DeviceTensor dst) => inner.Scale(x, scale, dst);

    public virtual void Softcap(DeviceTensor x, float cap, DeviceTensor dst) => inner.Softcap(x, cap, dst);

    public virtual void MoeRoute(DeviceTensor logits, int k, bool renormalize, DeviceTensor ids, DeviceTensor weights) => inner.MoeRoute(logits, k, renormalize, ids, weights);

    public virtual void MoeFeedForward(DeviceTensor x, ExpertSet experts, DeviceTensor ids, DeviceTensor weights, DeviceTensor dst) =>
        inner.MoeFeedForward(x, experts, ids, weights, dst);

    public virtual void Add(DeviceTensor a, DeviceTensor b, DeviceTensor dst) => inner.Add(a, b, dst);

    public virtual void Softmax(DeviceTensor x) => inner.Softmax(x);

    public virtual void Copy(DeviceTensor src, DeviceTensor dst) => inner.Copy(src, dst);

    public virtual void ArgMax(DeviceTensor x, DeviceTensor dst) => inner.ArgMax(x, dst);

    public void Dispose() => inner.Dispose();
}
