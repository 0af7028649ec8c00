// --perf: time matmuls of real model shapes (TinyLlama's FFN 2048×5632 and Llama 3 8B / Mistral 7B's
// 4096×14336, at T = 1, 2, 4, 8, 512) for every claimed weight dtype, and paged attention (Llama 3 8B heads:
// H 32, Hkv 8, Dh 128) decoding at context 512 and 4096, one sequence and eight, for each claimed KV dtype.
// As ggml test-backend-ops' perf mode: one warm-up call, then calls until a time budget is spent; each call is
// one step, and the clock stops after Synchronize. Nothing is checked here: the op level did that.
using System.Diagnostics;
using Meridian.Conformance.Checking;
using Meridian.Conformance.Inputs;
using Meridian.Conformance.Reports;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Conformance.Perf;

internal static class PerfRunner
{
    private static readonly (int N, int K)[] MatMulShapes = [(5632, 2048), (14336, 4096)];
    private static readonly int[] Tokens = [1, 2, 4, 8, 512];
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(0.3); // per measurement, after the warm-up
    private const int MaxCalls = 1000;

    public static IReadOnlyList<PerfResult> Run(IDevice device, ConformanceOptions options, List<SkipNote> skipped)
    {
        var results = new List<PerfResult>();
        using var stream = device.CreateStream();
        if (options.IncludesOp(BackendOp.MatMul.Name()))
        {
            foreach (var type in DeviceDescription.CandidateTypes)
            {
                if (!options.IncludesType(type) || !DeviceDescription.Claims(device, BackendOp.MatMul, type, out _))
                    continue;
                if (!InputData.CanMakeWeights(type))
                {
                    skipped.Add(new SkipNote($"perf matmul {type.Name()}", "the kit cannot make weights of this dtype"));
                    continue;
                }
                foreach (var (n, k) in MatMulShapes)
                    results.AddRange(MatMul(stream, type, n, k, options.Progress));
            }
        }
        if (options.IncludesOp(BackendOp.PagedAttention.Name()))
        {
            foreach (var kv in (DType[])[DType.F32, DType.F16])
            {
                if (!options.IncludesType(kv) || !DeviceDescription.Claims(device, BackendOp.PagedAttention, kv, out _))
                    continue;
                foreach (int context in (int[])[512, 4096])
                {
                    foreach (int sequences in (int[])[1, 8])
                        results.Add(Attention(stream, kv, context, sequences, options.Progress));
                }
            }
        }
        return results;
    }

    private static IEnumerable<PerfResult> MatMul(IComputeStream stream, DType type, int n, int k, Action<string>? progress)
    {
        var rng = new Random(n ^ k);
        // 64 distinct rows, repeated: real blocks without quantizing 58 M values with the scalar reference.
        const int distinct = 64;
        var rows = InputData.Weights(rng, type, distinct, k);
        long rowBytes = type.ByteSize(k);
        var bytes = new byte[rowBytes * n];
        for (int r = 0; r < n; r++)
            rows.AsSpan((int)(r % distinct * rowBytes), (int)rowBytes).CopyTo(bytes.AsSpan((int)(r * rowBytes)));
        using var pinned = new PinnedWeight("perf.w", type, n, k, bytes);
        using var wBuffer = stream.Device.LoadWeights(pinned.Data, WeightUse.MatMulOnly);
        var w = new DeviceTensor(wBuffer, 0, type, n, k);
        var results = new List<PerfResult>();
        foreach (int t in Tokens)
        {
            using var xBuffer = stream.Device.Allocate(4L * t * k, BufferUsage.Scratch);
            using var yBuffer = stream.Device.Allocate(4L * t * n, BufferUsage.Scratch);
            var x = DeviceTensor.F32(xBuffer, t, k);
            stream.Upload(InputData.Uniform(rng, t * k), x);
            var y = DeviceTensor.F32(yBuffer, t, n);
            var (calls, seconds) = Time(stream, s => s.MatMul(w, x, y));
            double us = seconds / calls * 1e6;
            double traffic = type.ByteSize((long)n * k) + 4.0 * t * (k + n);
            double flops = 2.0 * n * k * t;
            var r = new PerfResult("matmul", type.Name(), $"N={n} K={k} T={t}", calls, us, traffic / us / 1e3, flops / us / 1e3);
            progress?.Invoke($"perf {r.Op} {r.DType} {r.Shape}: {r.MicrosecondsPerCall:F1} µs, {r.GigabytesPerSecond:F1} GB/s, {r.GigaflopsPerSecond:F1} GFLOP/s");
            results.Add(r);
        }
        return results;
    }

    private static PerfResult Attention(IComputeStream stream, DType kv, int context, int sequences, Action<string>? progress)
    {
        const int h = 32, hkv = 8, dh = 128, bs = 16;
        var device = stream.Device;
        var rng = new Random(context + sequences);
        int blocksPerSeq = context / bs, numBlocks = blocksPerSeq * sequences, kvWidth = hkv * dh;
        long cacheBytes = kv.ByteSize((long)numBlocks * bs * kvWidth);
        using var kBuffer = device.Allocate(cacheBytes, BufferUsage.KvCache);
        using var vBuffer = device.Allocate(cacheBytes, BufferUsage.KvCache);
        var keyCache = new DeviceTensor(kBuffer, 0, kv, numBlocks * bs, kvWidth);
        var valueCache = new DeviceTensor(vBuffer, 0, kv, numBlocks * bs, kvWidth);
        // Small random values, written a block at a time (the cache can be larger than one host array should be).
        var blockValues = InputData.Uniform(rng, bs * kvWidth);
        var blockBytes = kv == DType.F16 ? InputData.ToF16Bytes(blockValues) : System.Runtime.InteropServices.MemoryMarshal.AsBytes(blockValues.AsSpan()).ToArray();
        for (int b = 0; b < numBlocks; b++)
        {
            stream.Write(blockBytes, keyCache.SliceRows(b * bs, bs));
            stream.Write(blockBytes, valueCache.SliceRows(b * bs, bs));
        }
        var seqInts = new int[sequences * 4];
        for (int s = 0; s < sequences; s++)
        {
            // AttentionSequence(QueryRow s, QueryCount 1, StartPos context - 1, BlockTableOffset s · blocksPerSeq)
            seqInts[4 * s] = s;
            seqInts[4 * s + 1] = 1;
            seqInts[4 * s + 2] = context - 1;
            seqInts[4 * s + 3] = s * blocksPerSeq;
        }
        var tables = InputData.Permutation(rng, numBlocks);
        using var seqBuffer = device.Allocate(seqInts.Length * 4L, BufferUsage.Scratch);
        using var tableBuffer = device.Allocate(tables.Length * 4L, BufferUsage.Scratch);
        using var qBuffer = device.Allocate(4L * sequences * h * dh, BufferUsage.Scratch);
        using var outBuffer = device.Allocate(4L * sequences * h * dh, BufferUsage.Scratch);
        var seqTensor = new DeviceTensor(seqBuffer, 0, DType.I32, sequences, 4);
        var tableTensor = new DeviceTensor(tableBuffer, 0, DType.I32, numBlocks, 1);
        stream.Upload(seqInts, seqTensor);
        stream.Upload(tables, tableTensor);
        var q = DeviceTensor.F32(qBuffer, sequences, h * dh);
        stream.Upload(InputData.Uniform(rng, sequences * h * dh), q);
        var dst = DeviceTensor.F32(outBuffer, sequences, h * dh);
        var batch = new PagedAttentionBatch(seqTensor, tableTensor, bs, context);
        var p = AttentionParams.Causal(h, hkv, dh);
        var (calls, seconds) = Time(stream, s => s.PagedAttention(q, keyCache, valueCache, batch, p, dst));
        double us = seconds / calls * 1e6;
        double traffic = 2.0 * cacheBytes + 8.0 * sequences * h * dh;
        double flops = 4.0 * h * dh * context * sequences;
        var r = new PerfResult("paged_attention", kv.Name(), $"H={h} Hkv={hkv} Dh={dh} bs={bs} context={context} sequences={sequences} T=1", calls, us,
            traffic / us / 1e3, flops / us / 1e3);
        progress?.Invoke($"perf {r.Op} {r.DType} {r.Shape}: {r.MicrosecondsPerCall:F1} µs, {r.GigabytesPerSecond:F1} GB/s, {r.GigaflopsPerSecond:F1} GFLOP/s");
        return r;
    }

    // One warm-up call, then calls (each its own step) until the budget is spent; the clock stops after Synchronize.
    private static (int Calls, double Seconds) Time(IComputeStream stream, Action<IComputeStream> op)
    {
        stream.BeginStep();
        op(stream);
        stream.SubmitStep();
        stream.Synchronize();
        var clock = Stopwatch.StartNew();
        int calls = 0;
        do
        {
            stream.BeginStep();
            op(stream);
            stream.SubmitStep();
            calls++;
            if (calls % 8 == 0 || calls == 1)
                stream.Synchronize();
        }
        while (clock.Elapsed < Budget && calls < MaxCalls);
        stream.Synchronize();
        return (calls, clock.Elapsed.TotalSeconds);
    }
}
