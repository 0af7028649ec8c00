// Issue 4 on the worker threads: a decode step's ops (T = 1), with f32 or f16 KV caches, a sliding window
// and softcap, allocate nothing on any worker. Each
// worker reads its own GC.GetAllocatedBytesForCurrentThread through a probe job before and after, so
// the count is exact whatever other threads in the process do (the process-wide figure is not).
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Backends.Cpu.Tests;

public sealed class WorkerPoolAllocationTests
{
    // D = hidden, F = ffn, H = heads, Hkv = kv heads, Dh = head dim, C = KV capacity, Bs = block size, V = vocab
    private const int D = 64, F = 96, H = 4, Hkv = 2, Dh = 16, C = 80, Bs = 16, V = 40;
    private const int Workers = 2, WarmUp = 8, Decoded = 32;

    [Theory]
    [InlineData(DType.F32, DType.F32, 0)]
    [InlineData(DType.F16, DType.F16, 0)]
    [InlineData(DType.Q8_0, DType.F16, 12)]
    [InlineData(DType.Q8_0, DType.F32, 20)]
    public void DecodeStepOps_AfterWarmUp_AllocateNothingOnAnyWorker(DType weightType, DType kvType, int window)
    {
        using var device = new CpuDevice(threads: 1); // only for buffers; the stream uses the pool below
        using var pool = new WorkerPool(Workers);
        using var stream = new CpuComputeStream(device, pool);
        var buffers = new List<IDeviceBuffer>();
        DeviceTensor New(int rows, int cols, DType type = DType.F32)
        {
            // Zero bytes are a valid value in every dtype (Q8_0: scale 0); only allocations are counted.
            var b = device.Allocate(type.ByteSize((long)rows * cols), BufferUsage.Scratch);
            buffers.Add(b);
            return new DeviceTensor(b, 0, type, rows, cols);
        }
        var x = New(1, D);             // [1, D]
        var norm = New(1, D);          // [1, D]
        var wq = New(H * Dh, D, weightType);
        var wUp = New(F, D, weightType);
        var wDown = New(D, F, weightType);
        var q = New(1, H * Dh);        // [1, H·Dh]
        var up = New(1, F);            // [1, F]
        var keyCache = New(C, Hkv * Dh, kvType);   // [C, Hkv·Dh]
        var valueCache = New(C, Hkv * Dh, kvType); // [C, Hkv·Dh]
        var att = New(1, H * Dh);      // [1, H·Dh]
        var wOut = New(V, D, weightType);
        var logits = New(1, V);        // [1, V]
        var token = New(1, 1, DType.I32);
        var position = New(1, 1, DType.I32);
        var lastRow = New(1, 1, DType.I32); // 0: the one row whose logits are wanted
        var sequence = New(1, 4, DType.I32);
        var table = New(C / Bs, 1, DType.I32);
        stream.Upload(Enumerable.Range(0, C / Bs).Reverse().ToArray(), table); // blocks in reverse order
        var rope = new RopeSpec(Dh, 10000f, RopeLayout.RotateHalf);
        var attention = new AttentionParams(H, Hkv, Dh, 0.3f, window, window > 0 ? 30f : 0f);

        void Step(int pos)
        {
            stream.BeginStep();
            Span<int> step = stackalloc int[4];
            step[0] = pos;
            stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(step[..1]), position);
            step[..4].Clear();
            step[2] = pos; // one sequence: query row 0, one query, at pos, its table from entry 0
            step[1] = 1;
            stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(step), sequence);
            stream.RmsNorm(x, norm, 1e-6f, x);
            stream.MatMul(wq, x, q);
            stream.Rope(q, position, rope);
            // The slot of position pos: block (C/Bs - 1 - pos/Bs), row pos % Bs; written as one i32.
            step[0] = (C / Bs - 1 - pos / Bs) * Bs + pos % Bs;
            stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(step[..1]), token);
            stream.ScatterRows(q.Reshape(2, Hkv * Dh).SliceRows(0, 1), token, keyCache);
            stream.ScatterRows(q.Reshape(2, Hkv * Dh).SliceRows(1, 1), token, valueCache);
            stream.PagedAttention(q, keyCache, valueCache, new PagedAttentionBatch(sequence, table, Bs, pos + 1), attention, att);
            stream.MatMul(wUp, x, up);
            stream.SwiGlu(up, up, up);
            stream.MatMul(wDown, up, x);
            stream.Add(x, norm, x);
            stream.GatherRows(x, lastRow, norm);
            stream.MatMul(wOut, norm, logits);
            stream.ArgMax(logits, token);
            stream.SubmitStep();
            stream.Read(token, System.Runtime.InteropServices.MemoryMarshal.AsBytes(step[..1]));
        }

        AllocationProbe before = new(Workers), after = new(Workers);
        int p = 0;
        for (; p < WarmUp; p++)
            Step(p);
        pool.For(Workers, before);
        for (int end = p + Decoded; p < end; p++)
            Step(p);
        pool.For(Workers, after);

        for (int w = 0; w < Workers; w++)
            Assert.True(after.Bytes[w] == before.Bytes[w], $"worker {w} allocated {after.Bytes[w] - before.Bytes[w]} B over {Decoded} decode steps");
        foreach (var b in buffers)
            b.Dispose();
    }

    /// <summary>Records, on each worker, the bytes that worker's thread has allocated so far.</summary>
    private sealed class AllocationProbe(int workers) : IParallelJob
    {
        public long[] Bytes { get; } = new long[workers];

        public void Run(int start, int end, int worker) => Bytes[worker] = GC.GetAllocatedBytesForCurrentThread();
    }
}
