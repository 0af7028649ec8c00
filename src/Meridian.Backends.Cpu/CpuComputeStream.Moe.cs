// Mixture of experts on the CPU (ReferenceOps.MoeRouteReference / MoeFeedForwardReference are the oracles).
// Routing is a row loop. The expert feed-forward groups the step's (token, slot) pairs by expert, gathers each
// expert's rows into one [n, D] block and runs that expert as ordinary matrix products (the same packed kernels
// as a dense layer: one product per expert in a prefill; in a decode step only the k chosen experts' weights are
// read). Each pair's output row lands in its own slot, and a token's slots are summed in slot order afterwards,
// so a token's result does not depend on which other tokens share the step (the kernels' per-row sums do not
// depend on the row count either).
using System.Runtime.InteropServices;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Backends.Cpu;

internal sealed unsafe partial class CpuComputeStream
{
    private IDeviceBuffer? _moeScratch; // [pairs, D] gathered inputs, [pairs, F] gate and up, [pairs, D] an expert's outputs, [pairs, D] slots
    private int[] _moeOrder = [];        // pair indexes (t·k + j) grouped by expert, ascending within an expert
    private int[] _moeStart = [];        // [E + 1] where each expert's pairs start in _moeOrder
    private readonly DeviceTensor[] _moePair = new DeviceTensor[2], _moePairOut = new DeviceTensor[2]; // gate and up of one expert
    private readonly GluJob<SwiGluOaiOp> _swiGluOai = new();

    public void MoeRoute(DeviceTensor logits, int k, bool renormalize, DeviceTensor ids, DeviceTensor weights)
    {
        int e = logits.Cols;
        Check(logits.Type == DType.F32 && ids.Type == DType.I32 && weights.Type == DType.F32 && k >= 1 && k <= e
              && ids.Rows == logits.Rows && ids.Cols == k && weights.Rows == logits.Rows && weights.Cols == k,
              "MoeRoute: logits [T, E] f32, ids [T, k] i32 and weights [T, k] f32 with 1 <= k <= E");
        var scores = F32(logits);
        var id = new Span<int>(Ptr(ids), ids.Rows * k);
        var w = F32(weights);
        Span<float> p = e <= 1024 ? stackalloc float[e] : new float[e];
        for (int r = 0; r < logits.Rows; r++)
        {
            var row = scores.Slice(r * e, e);
            System.Numerics.Tensors.TensorPrimitives.SoftMax(row, p);
            float chosen = 0;
            for (int j = 0; j < k; j++)
            {
                int best = -1;
                for (int i = 0; i < e; i++)
                {
                    if (p[i] >= 0 && (best < 0 || p[i] > p[best]))
                        best = i;
                }
                id[r * k + j] = best;
                w[r * k + j] = p[best];
                chosen += p[best];
                p[best] = -1; // taken
            }
            if (renormalize)
            {
                for (int j = 0; j < k; j++)
                    w[r * k + j] /= chosen;
            }
        }
    }

    public void MoeFeedForward(DeviceTensor x, ExpertSet experts, DeviceTensor ids, DeviceTensor weights, DeviceTensor dst)
    {
        experts.Validate();
        int t = x.Rows, d = x.Cols, k = ids.Cols, f = experts.Hidden, count = experts.Count;
        Check(x.Type == DType.F32 && dst.Type == DType.F32 && ids.Type == DType.I32 && weights.Type == DType.F32
              && d == experts.Width && dst.Rows == t && dst.Cols == d && ids.Rows == t && weights.Rows == t && weights.Cols == k
              && x.Buffer != dst.Buffer | x.ByteOffset != dst.ByteOffset,
              "MoeFeedForward: x [T, D] f32, ids [T, k] i32, weights [T, k] f32, dst [T, D] f32 (not x) for experts of width D");
        if (t == 0)
            return;
        var id = I32(ids);
        int pairs = t * k;
        if (_moeStart.Length < count + 1)
            _moeStart = new int[count + 1];
        if (_moeOrder.Length < pairs)
            _moeOrder = new int[pairs];
        var start = _moeStart.AsSpan(0, count + 1);
        start.Clear();
        foreach (int e in id)
        {
            if ((uint)e >= (uint)count)
                throw new Core.MeridianException($"MoeFeedForward: expert id {e} is outside the {count} experts");
            start[e + 1]++;
        }
        for (int e = 0; e < count; e++)
            start[e + 1] += start[e];
        Span<int> fill = count <= 1024 ? stackalloc int[count] : new int[count];
        start[..count].CopyTo(fill);
        for (int p = 0; p < pairs; p++)
            _moeOrder[fill[id[p]]++] = p;

        // Scratch: inputs [pairs, D], gate and up [pairs, F], an expert's outputs [pairs, D], slots [pairs, D] (slot p = t·k + j).
        long pd = (long)pairs * d * 4, pf = (long)pairs * f * 4;
        long need = 3 * pd + 2 * pf;
        if (_moeScratch is null || _moeScratch.ByteLength < need)
        {
            _moeScratch?.Dispose();
            _moeScratch = Device.Allocate(Math.Max(need, 1L << 20), BufferUsage.Scratch);
        }
        var scratch = _moeScratch;
        var xin = new DeviceTensor(scratch, 0, DType.F32, pairs, d);
        var gates = new DeviceTensor(scratch, pd, DType.F32, pairs, f);
        var ups = new DeviceTensor(scratch, pd + pf, DType.F32, pairs, f);
        var outs = new DeviceTensor(scratch, pd + 2 * pf, DType.F32, pairs, d);
        var slots = new DeviceTensor(scratch, 2 * pd + 2 * pf, DType.F32, pairs, d);
        float* xs = P32(x), inputRows = P32(xin), expertRows = P32(outs), outputRows = P32(slots);
        var ws = _moePair;
        var ys = _moePairOut;
        for (int e = 0; e < count; e++)
        {
            int first = start[e], n = start[e + 1] - first;
            if (n == 0)
                continue;
            // The expert's rows, gathered in pair order: one matrix product per matrix for all of them.
            for (int i = 0; i < n; i++)
                Buffer.MemoryCopy(xs + (long)(_moeOrder[first + i] / k) * d, inputRows + (long)i * d, d * 4L, d * 4L);
            var g = gates.SliceRows(0, n);
            var u = ups.SliceRows(0, n);
            (ws[0], ws[1], ys[0], ys[1]) = (experts.Gate[e], experts.Up[e], g, u);
            MatMulShared(xin.SliceRows(0, n), ws, ys);
            if (experts.GateBias is { } gb)
                Add(g, gb.SliceRows(e, 1), g);
            if (experts.UpBias is { } ub)
                Add(u, ub.SliceRows(e, 1), u);
            if (experts.Activation == ExpertActivation.SwiGluOai)
            {
                _swiGluOai.Set(P32(g), P32(u), P32(g), f);
                Rows(n, (long)n * f, _swiGluOai);
            }
            else
            {
                SwiGlu(g, u, g);
            }
            var y = outs.SliceRows(0, n);
            MatMul(experts.Down[e], g, y);
            if (experts.DownBias is { } db)
                Add(y, db.SliceRows(e, 1), y);
            for (int i = 0; i < n; i++)
                Buffer.MemoryCopy(expertRows + (long)i * d, outputRows + (long)_moeOrder[first + i] * d, d * 4L, d * 4L);
        }

        // dst[t] = Σ_j w[t, j] · slot[t·k + j], in j order.
        var w = F32(weights);
        var output = F32(dst);
        var slotValues = new ReadOnlySpan<float>(outputRows, pairs * d);
        for (int r = 0; r < t; r++)
        {
            var o = output.Slice(r * d, d);
            System.Numerics.Tensors.TensorPrimitives.Multiply(slotValues.Slice(r * k * d, d), w[r * k], o);
            for (int j = 1; j < k; j++)
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(slotValues.Slice((r * k + j) * d, d), w[r * k + j], o, o);
        }
    }
}
