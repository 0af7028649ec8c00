// Issue 4 on the worker threads: a decode step's ops (T = 1) allocate nothing on any worker. Each
// worker reads its own GC.GetAllocatedBytesForCurrentThread through a probe job before and after, so
// the count is exact whatever other threads in the process do (the process-wide figure is not).
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Backends.Cpu.Tests;

public sealed class WorkerPoolAllocationTests
{
    // D = hidden, F = ffn, H = heads, Hkv = kv heads, Dh = head dim, C = KV capacity
    private const int D = 64, F = 96, H = 4, Hkv = 2, Dh = 16, C = 80;
    private const int Workers = 2, WarmUp = 8, Decoded = 32;

    [Theory]
    [InlineData(DType.F32)]
    [InlineData(DType.F16)]
    [InlineData(DType.Q8_0)]
    public void DecodeStepOps_AfterWarmUp_AllocateNothingOnAnyWorker(DType weightType)
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
        var keys = New(C, Hkv * Dh);   // [C, Hkv·Dh]
        var values = New(C, Hkv * Dh); // [C, Hkv·Dh]
        var att = New(1, H * Dh);      // [1, H·Dh]
        var rope = new RopeSpec(Dh, 10000f, RopeLayout.RotateHalf);
        int[] position = new int[1];

        void Step(int pos)
        {
            position[0] = pos;
            stream.RmsNorm(x, norm, 1e-6f, x);
            stream.MatMul(wq, x, q);
            stream.Rope(q, position, rope);
            stream.Copy(q.Reshape(2, Hkv * Dh).SliceRows(0, 1), keys.SliceRows(pos, 1));
            stream.Copy(q.Reshape(2, Hkv * Dh).SliceRows(1, 1), values.SliceRows(pos, 1));
            stream.Attention(q, keys, values, pos, H, Hkv, att);
            stream.MatMul(wUp, x, up);
            stream.SwiGlu(up, up, up);
            stream.MatMul(wDown, up, x);
            stream.Add(x, norm, x);
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
