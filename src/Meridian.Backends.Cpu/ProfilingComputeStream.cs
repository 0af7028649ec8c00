// An IComputeStream decorator that times every op (wall clock, Stopwatch ticks) and prints a table
// to stderr when disposed. Enabled with MERIDIAN_PROFILE=1 (CpuDevice.CreateStream); the profile
// behind the performance figures in issue 6's notes. No allocation per op: fixed slots per op kind.
using System.Diagnostics;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Backends.Cpu;

internal sealed class ProfilingComputeStream(IComputeStream inner) : IComputeStream
{
    // Slots: the non-matmul ops, then one matmul slot per weight dtype id (< 64).
    private static readonly string[] OpNames =
        ["embedding", "rmsnorm", "rope", "attention", "scatter", "gather", "swiglu", "add", "softmax", "copy", "argmax", "write", "read",
            "geglu", "scale", "softcap", "moe_route", "moe_ffn"];
    private const int Embedding = 0, RmsNormSlot = 1, RopeSlot = 2, Attention = 3, Scatter = 4, Gather = 5, SwiGluSlot = 6,
        AddSlot = 7, SoftmaxSlot = 8, CopySlot = 9, ArgMaxSlot = 10, WriteSlot = 11, ReadSlot = 12,
        GeGluSlot = 13, ScaleSlot = 14, SoftcapSlot = 15, MoeRouteSlot = 16, MoeSlot = 17;
    private const int MatMulBase = 18;
    private readonly long[] _ticks = new long[MatMulBase + 64];
    private readonly long[] _calls = new long[MatMulBase + 64];
    private readonly long[] _macs = new long[MatMulBase + 64];

    public IDevice Device => inner.Device;

    public void BeginStep() => inner.BeginStep();

    public void SubmitStep() => inner.SubmitStep();

    public void Write(ReadOnlySpan<byte> source, DeviceTensor dst)
    {
        long t0 = Stopwatch.GetTimestamp();
        inner.Write(source, dst);
        Record(WriteSlot, t0);
    }

    public void Read(DeviceTensor src, Span<byte> destination)
    {
        long t0 = Stopwatch.GetTimestamp();
        inner.Read(src, destination);
        Record(ReadSlot, t0);
    }

    public void EmbeddingLookup(DeviceTensor table, DeviceTensor ids, DeviceTensor dst)
    {
        long t0 = Stopwatch.GetTimestamp();
        inner.EmbeddingLookup(table, ids, dst);
        Record(Embedding, t0);
    }

    public void MatMul(DeviceTensor w, DeviceTensor x, DeviceTensor y)
    {
        long t0 = Stopwatch.GetTimestamp();
        inner.MatMul(w, x, y);
        RecordMatMul(w, x, t0);
    }

    public void MatMulShared(DeviceTensor x, ReadOnlySpan<DeviceTensor> ws, ReadOnlySpan<DeviceTensor> ys)
    {
        long t0 = Stopwatch.GetTimestamp();
        inner.MatMulShared(x, ws, ys);
        // The call's time is split over its weights by their share of the multiply-adds.
        long total = 0;
        foreach (var w in ws)
            total += (long)w.Rows * w.Cols;
        long elapsed = Stopwatch.GetTimestamp() - t0;
        foreach (var w in ws)
        {
            int slot = MatMulBase + ((int)w.Type & 63);
            _ticks[slot] += total == 0 ? 0 : elapsed * ((long)w.Rows * w.Cols) / total;
            _calls[slot]++;
            _macs[slot] += (long)w.Rows * w.Cols * x.Rows;
        }
    }

    public void RmsNorm(DeviceTensor x, DeviceTensor weight, float eps, DeviceTensor dst)
    {
        long t0 = Stopwatch.GetTimestamp();
        inner.RmsNorm(x, weight, eps, dst);
        Record(RmsNormSlot, t0);
    }

    public void Rope(DeviceTensor x, DeviceTensor positions, RopeSpec spec)
    {
        long t0 = Stopwatch.GetTimestamp();
        inner.Rope(x, positions, spec);
        Record(RopeSlot, t0);
    }

    public void PagedAttention(DeviceTensor q, DeviceTensor keyCache, DeviceTensor valueCache, in PagedAttentionBatch batch,
        in AttentionParams p, DeviceTensor dst)
    {
        long t0 = Stopwatch.GetTimestamp();
        inner.PagedAttention(q, keyCache, valueCache, batch, p, dst);
        Record(Attention, t0);
    }

    public void ScatterRows(DeviceTensor src, DeviceTensor rows, DeviceTensor dst)
    {
        long t0 = Stopwatch.GetTimestamp();
        inner.ScatterRows(src, rows, dst);
        Record(Scatter, t0);
    }

    public void GatherRows(DeviceTensor src, DeviceTensor rows, DeviceTensor dst)
    {
        long t0 = Stopwatch.GetTimestamp();
        inner.GatherRows(src, rows, dst);
        Record(Gather, t0);
    }

    public void SwiGlu(DeviceTensor gate, DeviceTensor up, DeviceTensor dst)
    {
        long t0 = Stopwatch.GetTimestamp();
        inner.SwiGlu(gate, up, dst);
        Record(SwiGluSlot, t0);
    }

    public void GeGlu(DeviceTensor gate, DeviceTensor up, DeviceTensor dst)
    {
        long t0 = Stopwatch.GetTimestamp();
        inner.GeGlu(gate, up, dst);
        Record(GeGluSlot, t0);
    }

    public void Scale(DeviceTensor x, float scale, DeviceTensor dst)
    {
        long t0 = Stopwatch.GetTimestamp();
        inner.Scale(x, scale, dst);
        Record(ScaleSlot, t0);
    }

    public void Softcap(DeviceTensor x, float cap, DeviceTensor dst)
    {
        long t0 = Stopwatch.GetTimestamp();
        inner.Softcap(x, cap, dst);
        Record(SoftcapSlot, t0);
    }

    public void MoeRoute(DeviceTensor logits, int k, bool renormalize, DeviceTensor ids, DeviceTensor weights)
    {
        long t0 = Stopwatch.GetTimestamp();
        inner.MoeRoute(logits, k, renormalize, ids, weights);
        Record(MoeRouteSlot, t0);
    }

    public void MoeFeedForward(DeviceTensor x, ExpertSet experts, DeviceTensor ids, DeviceTensor weights, DeviceTensor dst)
    {
        long t0 = Stopwatch.GetTimestamp();
        inner.MoeFeedForward(x, experts, ids, weights, dst);
        Record(MoeSlot, t0);
    }

    public void Add(DeviceTensor a, DeviceTensor b, DeviceTensor dst)
    {
        long t0 = Stopwatch.GetTimestamp();
        inner.Add(a, b, dst);
        Record(AddSlot, t0);
    }

    public void Softmax(DeviceTensor x)
    {
        long t0 = Stopwatch.GetTimestamp();
        inner.Softmax(x);
        Record(SoftmaxSlot, t0);
    }

    public void Copy(DeviceTensor src, DeviceTensor dst)
    {
        long t0 = Stopwatch.GetTimestamp();
        inner.Copy(src, dst);
        Record(CopySlot, t0);
    }

    public void ArgMax(DeviceTensor x, DeviceTensor dst)
    {
        long t0 = Stopwatch.GetTimestamp();
        inner.ArgMax(x, dst);
        Record(ArgMaxSlot, t0);
    }

    public void Synchronize() => inner.Synchronize();

    public void Dispose()
    {
        Report(Console.Error);
        inner.Dispose();
    }

    private void Record(int slot, long t0)
    {
        _ticks[slot] += Stopwatch.GetTimestamp() - t0;
        _calls[slot]++;
    }

    private void RecordMatMul(DeviceTensor w, DeviceTensor x, long t0)
    {
        int slot = MatMulBase + ((int)w.Type & 63);
        Record(slot, t0);
        _macs[slot] += (long)w.Rows * w.Cols * x.Rows;
    }

    private void Report(TextWriter output)
    {
        long total = _ticks.Sum();
        if (total == 0)
            return;
        output.WriteLine($"meridian profile ({Device.Name}): {Seconds(total):F3} s in ops");
        output.WriteLine($"  {"op",-16} {"calls",9} {"seconds",9} {"share",7} {"GMAC/s",8}");
        for (int slot = 0; slot < _ticks.Length; slot++)
        {
            if (_calls[slot] == 0)
                continue;
            string name = slot < MatMulBase ? OpNames[slot] : $"matmul {((DType)(slot - MatMulBase)).Name()}";
            double s = Seconds(_ticks[slot]);
            string rate = slot >= MatMulBase && s > 0 ? $"{_macs[slot] / s / 1e9,8:F1}" : "";
            output.WriteLine($"  {name,-16} {_calls[slot],9} {s,9:F3} {100.0 * _ticks[slot] / total,6:F1}% {rate}");
        }
    }

    private static double Seconds(long ticks) => (double)ticks / Stopwatch.Frequency;
}
