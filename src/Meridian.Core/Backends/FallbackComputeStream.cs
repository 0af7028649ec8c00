// The stream of a FallbackDevice: each op goes to the primary's stream unless its (op, key dtype) is routed, or
// an operand lives on the fallback; then its tensors are staged through fallback scratch
// (FallbackComputeStream.Staging.cs), the op runs on the fallback's stream and its outputs are copied back.
using Meridian.Core.Tensors;

namespace Meridian.Core.Backends;

/// <summary>
/// A primary stream and a fallback stream behind one <see cref="IComputeStream"/>. Ops stay in order: a routed
/// op reads its inputs from the primary (Read waits for everything queued there, submitting an open step) and
/// writes its outputs back through the primary's stream before the next op is queued.
/// </summary>
internal sealed partial class FallbackComputeStream : IComputeStream
{
    private readonly FallbackDevice _device;
    private readonly IComputeStream _primary;
    private readonly IComputeStream _fallback;

    // MatMulShared's weights and outputs split by where they run, and as the chosen stream gets them (grown once).
    private DeviceTensor[] _groupW = new DeviceTensor[4], _groupY = new DeviceTensor[4];
    private DeviceTensor[] _argW = new DeviceTensor[4], _argY = new DeviceTensor[4];

    public FallbackComputeStream(FallbackDevice device, IComputeStream primary, IComputeStream fallback)
    {
        _device = device;
        _primary = primary;
        _fallback = fallback;
    }

    public IDevice Device => _device;

    public void BeginStep()
    {
        _primary.BeginStep();
        _fallback.BeginStep();
    }

    public void SubmitStep()
    {
        _primary.SubmitStep();
        _fallback.SubmitStep();
    }

    public void Write(ReadOnlySpan<byte> source, DeviceTensor dst) => Owner(dst).Write(source, dst);

    public void Read(DeviceTensor src, Span<byte> destination) => Owner(src).Read(src, destination);

    public void Synchronize()
    {
        _primary.Synchronize();
        _fallback.Synchronize();
    }

    public void EmbeddingLookup(DeviceTensor table, DeviceTensor ids, DeviceTensor dst)
    {
        Begin();
        int t = Use(table, Access.Read), i = Use(ids, Access.Read), d = Use(dst, Access.Write);
        Target(BackendOp.EmbeddingLookup, table.Type).EmbeddingLookup(Arg(t), Arg(i), Arg(d));
        Finish();
    }

    public void MatMul(DeviceTensor w, DeviceTensor x, DeviceTensor y)
    {
        Begin();
        int iw = Use(w, Access.Read), ix = Use(x, Access.Read), iy = Use(y, Access.Write);
        Target(BackendOp.MatMul, w.Type).MatMul(Arg(iw), Arg(ix), Arg(iy));
        Finish();
    }

    public void MatMulShared(DeviceTensor x, ReadOnlySpan<DeviceTensor> ws, ReadOnlySpan<DeviceTensor> ys)
    {
        if (ws.Length != ys.Length)
            throw new ArgumentException("MatMulShared: one output per weight");
        int onFallback = 0;
        foreach (var w in ws)
        {
            if (WeightRunsOnFallback(w))
                onFallback++;
        }
        if (onFallback == 0 || onFallback == ws.Length)
        {
            SharedGroup(x, ws, ys, onFallback > 0);
            return;
        }

        // Mixed dtypes (a Q4_K_M model's q6_K attn_v beside q4_K attn_q and attn_k): one MatMulShared per side.
        Grow(ref _groupW, ws.Length);
        Grow(ref _groupY, ws.Length);
        foreach (bool fallbackSide in (ReadOnlySpan<bool>)[false, true])
        {
            int n = 0;
            for (int i = 0; i < ws.Length; i++)
            {
                if (WeightRunsOnFallback(ws[i]) == fallbackSide)
                {
                    _groupW[n] = ws[i];
                    _groupY[n++] = ys[i];
                }
            }
            SharedGroup(x, _groupW.AsSpan(0, n), _groupY.AsSpan(0, n), fallbackSide);
        }
    }

    public void RmsNorm(DeviceTensor x, DeviceTensor weight, float eps, DeviceTensor dst)
    {
        Begin();
        int ix = Use(x, Access.Read), iw = Use(weight, Access.Read), id = Use(dst, Access.Write);
        Target(BackendOp.RmsNorm, DType.F32).RmsNorm(Arg(ix), Arg(iw), eps, Arg(id));
        Finish();
    }

    public void Rope(DeviceTensor x, DeviceTensor positions, RopeSpec spec)
    {
        Begin();
        int ix = Use(x, Access.ReadWrite), ip = Use(positions, Access.Read);
        Target(BackendOp.Rope, DType.F32).Rope(Arg(ix), Arg(ip), spec);
        Finish();
    }

    public void ScatterRows(DeviceTensor src, DeviceTensor rows, DeviceTensor dst)
    {
        Begin();
        // dst (a KV cache) is neither copied in nor back whole: only the rows written come back.
        int s = Use(src, Access.Read), r = Use(rows, Access.Read), d = Use(dst, Access.Manual);
        Target(BackendOp.ScatterRows, dst.Type).ScatterRows(Arg(s), Arg(r), Arg(d));
        if (_staged)
            CopyBackScatteredRows(r, d);
        Finish();
    }

    public void GatherRows(DeviceTensor src, DeviceTensor rows, DeviceTensor dst)
    {
        Begin();
        int s = Use(src, Access.Read), r = Use(rows, Access.Read), d = Use(dst, Access.Write);
        Target(BackendOp.GatherRows, DType.F32).GatherRows(Arg(s), Arg(r), Arg(d));
        Finish();
    }

    public void PagedAttention(DeviceTensor q, DeviceTensor keyCache, DeviceTensor valueCache, in PagedAttentionBatch batch,
        in AttentionParams p, DeviceTensor dst)
    {
        Begin();
        // The caches are copied only in the blocks the batch's block tables name (CopyReferencedBlocks).
        int iq = Use(q, Access.Read), ik = Use(keyCache, Access.Manual), iv = Use(valueCache, Access.Manual);
        int isq = Use(batch.Sequences, Access.Read), ibt = Use(batch.BlockTables, Access.Read), id = Use(dst, Access.Write);
        int isk = p.Sinks is { } sinks ? Use(sinks, Access.Read) : -1;
        var stream = Target(BackendOp.PagedAttention, keyCache.Type);
        if (_staged)
            CopyReferencedBlocks(ik, iv, isq, ibt, batch.BlockSize);
        stream.PagedAttention(Arg(iq), Arg(ik), Arg(iv), batch with { Sequences = Arg(isq), BlockTables = Arg(ibt) },
            isk < 0 ? p : p with { Sinks = Arg(isk) }, Arg(id));
        Finish();
    }

    public void SwiGlu(DeviceTensor gate, DeviceTensor up, DeviceTensor dst)
    {
        Begin();
        int g = Use(gate, Access.Read), u = Use(up, Access.Read), d = Use(dst, Access.Write);
        Target(BackendOp.SwiGlu, DType.F32).SwiGlu(Arg(g), Arg(u), Arg(d));
        Finish();
    }

    public void GeGlu(DeviceTensor gate, DeviceTensor up, DeviceTensor dst)
    {
        Begin();
        int g = Use(gate, Access.Read), u = Use(up, Access.Read), d = Use(dst, Access.Write);
        Target(BackendOp.GeGlu, DType.F32).GeGlu(Arg(g), Arg(u), Arg(d));
        Finish();
    }

    public void Scale(DeviceTensor x, float scale, DeviceTensor dst)
    {
        Begin();
        int ix = Use(x, Access.Read), d = Use(dst, Access.Write);
        Target(BackendOp.Scale, DType.F32).Scale(Arg(ix), scale, Arg(d));
        Finish();
    }

    public void Softcap(DeviceTensor x, float cap, DeviceTensor dst)
    {
        Begin();
        int ix = Use(x, Access.Read), d = Use(dst, Access.Write);
        Target(BackendOp.Softcap, DType.F32).Softcap(Arg(ix), cap, Arg(d));
        Finish();
    }

    public void MoeRoute(DeviceTensor logits, int k, bool renormalize, DeviceTensor ids, DeviceTensor weights)
    {
        Begin();
        int il = Use(logits, Access.Read), ii = Use(ids, Access.Write), iw = Use(weights, Access.Write);
        Target(BackendOp.MoeRoute, DType.F32).MoeRoute(Arg(il), k, renormalize, Arg(ii), Arg(iw));
        Finish();
    }

    // The experts are never routed (FallbackDevice refuses to), so they and this op stay on the primary.
    public void MoeFeedForward(DeviceTensor x, ExpertSet experts, DeviceTensor ids, DeviceTensor weights, DeviceTensor dst)
    {
        Begin();
        int ix = Use(x, Access.Read), ii = Use(ids, Access.Read), iw = Use(weights, Access.Read), id = Use(dst, Access.Write);
        Target(BackendOp.MoeFeedForward, experts.Type).MoeFeedForward(Arg(ix), experts, Arg(ii), Arg(iw), Arg(id));
        Finish();
    }

    public void Add(DeviceTensor a, DeviceTensor b, DeviceTensor dst)
    {
        Begin();
        int ia = Use(a, Access.Read), ib = Use(b, Access.Read), d = Use(dst, Access.Write);
        Target(BackendOp.Add, DType.F32).Add(Arg(ia), Arg(ib), Arg(d));
        Finish();
    }

    public void Softmax(DeviceTensor x)
    {
        Begin();
        int ix = Use(x, Access.ReadWrite);
        Target(BackendOp.Softmax, DType.F32).Softmax(Arg(ix));
        Finish();
    }

    public void Copy(DeviceTensor src, DeviceTensor dst)
    {
        Begin();
        int s = Use(src, Access.Read), d = Use(dst, Access.Write);
        Target(BackendOp.Copy, src.Type).Copy(Arg(s), Arg(d));
        Finish();
    }

    public void ArgMax(DeviceTensor x, DeviceTensor dst)
    {
        Begin();
        int ix = Use(x, Access.Read), d = Use(dst, Access.Write);
        Target(BackendOp.ArgMax, DType.F32).ArgMax(Arg(ix), Arg(d));
        Finish();
    }

    public void Dispose()
    {
        _primary.Dispose();
        _fallback.Dispose();
        _scratch?.Dispose();
        _scratch = null;
    }

    // A MatMul weight runs on the fallback when its dtype is routed or it lives there.
    private bool WeightRunsOnFallback(DeviceTensor w)
    {
        if (_device.IsRouted(BackendOp.MatMul, w.Type))
            return true;
        if (!OnFallback(w))
            return false;
        CheckFallbackRuns(BackendOp.MatMul, w.Type);
        return true;
    }

    // ys[i] = x · ws[i]ᵀ, all on one side (already decided for every weight).
    private void SharedGroup(DeviceTensor x, ReadOnlySpan<DeviceTensor> ws, ReadOnlySpan<DeviceTensor> ys, bool onFallback)
    {
        if (ws.Length == 0)
            return;
        Begin();
        int ix = Use(x, Access.Read);
        foreach (var w in ws)
            Use(w, Access.Read);
        foreach (var y in ys)
            Use(y, Access.Write);
        var stream = Run(onFallback, BackendOp.MatMul, ws[0].Type);
        Grow(ref _argW, ws.Length);
        Grow(ref _argY, ws.Length);
        for (int i = 0; i < ws.Length; i++)
        {
            _argW[i] = Arg(1 + i);
            _argY[i] = Arg(1 + ws.Length + i);
        }
        stream.MatMulShared(Arg(ix), _argW.AsSpan(0, ws.Length), _argY.AsSpan(0, ws.Length));
        if (_staged)
        {
            // One MatMul call per weight, each on its own dtype.
            foreach (var w in ws)
                _device.CountCalls(BackendOp.MatMul, w.Type, 1);
        }
        Finish(countCall: false);
    }

    private static void Grow(ref DeviceTensor[] array, int length)
    {
        if (array.Length < length)
            array = new DeviceTensor[length];
    }
}
