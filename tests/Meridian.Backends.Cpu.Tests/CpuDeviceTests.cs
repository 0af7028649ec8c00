// The CPU device's side of contract v1: every op declared through Supports, weights used in place (any size,
// no copy) or packed for MatMul only, allocation limits, and the provider's contract version.
using System.Runtime.InteropServices;
using Meridian.Core.Backends;
using Meridian.Core.Ops;
using Meridian.Core.Quant;
using Meridian.Core.Tensors;

namespace Meridian.Backends.Cpu.Tests;

public sealed unsafe class CpuDeviceTests : IDisposable
{
    private readonly CpuDevice _device = new(threads: 2);
    private readonly IComputeStream _stream;

    public CpuDeviceTests() => _stream = _device.CreateStream();

    public void Dispose()
    {
        _stream.Dispose();
        _device.Dispose();
    }

    [Fact]
    public void Supports_EveryBackendOp_AnsweredForEveryDType()
    {
        // The table the CPU backend promises (CpuDevice.Supports' docs); an op it does not know is refused.
        foreach (var op in BackendOps.All)
        {
            Assert.True(_device.Supports(op, DType.F32), $"{op.Name()} on f32");
            foreach (var info in DTypes.All)
            {
                bool expected = op switch
                {
                    BackendOp.MatMul or BackendOp.EmbeddingLookup or BackendOp.MoeFeedForward => QuantCodecs.CanDequantize(info.Type),
                    BackendOp.PagedAttention or BackendOp.ScatterRows => info.Type is DType.F32 or DType.F16,
                    BackendOp.Copy => !info.IsRemoved,
                    _ => info.Type == DType.F32,
                };
                Assert.True(expected == _device.Supports(op, info.Type), $"{op.Name()} on {info.Name}: expected {expected}");
            }
        }
        Assert.False(_device.Supports((BackendOp)1000, DType.F32));
    }

    [Fact]
    public void Provider_SpeaksTheCurrentContract_AndResolvesAsCpu()
    {
        var provider = new CpuBackendProvider(threads: 1);
        Assert.Equal(BackendContract.Version, provider.ContractVersion);
        var registry = new BackendRegistry().Register(provider);
        using var device = registry.Resolve("cpu");
        Assert.Same(provider.Devices[0], device);
        Assert.Equal(DeviceKind.Cpu, device.Kind);
    }

    [Fact]
    public void Allocate_OverMaxAllocationBytes_IsRefused()
    {
        Assert.True(_device.MaxAllocationBytes > 0 && _device.MaxAllocationBytes <= _device.MemoryBytes);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _device.Allocate(_device.MaxAllocationBytes + 1, BufferUsage.KvCache));
        Assert.Contains("KvCache buffer", e.Message);
    }

    [Fact]
    public void LoadWeights_Any_IsTheMemoryInPlace()
    {
        const int v = 6, d = 40;
        var table = GC.AllocateArray<byte>((int)DType.F16.ByteSize(v * d), pinned: true);
        QuantCodecs.QuantizeReference(DType.F16, TestTensors.Random(new Random(1), v * d), table);
        var reports = new List<long>();
        var buffer = _device.LoadWeights(TestTensors.Weight(table, DType.F16, v, d), WeightUse.Any, new InlineProgress(reports));
        fixed (byte* p = table)
            Assert.True(((CpuBuffer)buffer).Pointer == p, "the buffer is a view of the weight's bytes");
        Assert.Equal(table.Length, buffer.ByteLength);
        Assert.Equal(BufferUsage.Weights, buffer.Usage);
        Assert.Equal([(long)table.Length], reports);

        // No copy: a change to the memory shows through the buffer.
        table.AsSpan(2 * d * 2, d * 2).Clear();
        int[] ids = [2, 5];
        var expected = new float[ids.Length * d];
        ReferenceOps.EmbeddingLookupReference(DType.F16, table, d, ids, expected);
        var dst = _stream.PutF32(new float[ids.Length * d], ids.Length, d);
        _stream.EmbeddingLookup(new DeviceTensor(buffer, 0, DType.F16, v, d), _stream.PutI32(ids), dst);
        Assert.Equal(expected, _stream.GetF32(dst));
        Assert.All(_stream.GetF32(dst).AsSpan(0, d).ToArray(), x => Assert.Equal(0f, x));
    }

    [SkippableFact]
    public void LoadWeights_Any_OverTwoGiB_ReadsRowsPastTheFirstTwoGiB()
    {
        // 1.1M rows of 1024 f16 (2.25 GB, more than one span holds), from calloc: untouched pages cost nothing.
        const int rows = 1_100_000, d = 1024;
        long bytes = DType.F16.ByteSize((long)rows * d);
        Assert.True(bytes > int.MaxValue);
        byte* memory;
        try
        {
            memory = (byte*)NativeMemory.AllocZeroed((nuint)bytes);
        }
        catch (OutOfMemoryException)
        {
            Skip.If(true, $"could not reserve {bytes} bytes of address space on this machine");
            return;
        }
        try
        {
            var row = TestTensors.Random(new Random(2), d);
            var half = new Half[d];
            for (int i = 0; i < d; i++)
                half[i] = (Half)row[i];
            const int last = rows - 1; // starts at byte 2 252 797 952
            MemoryMarshal.AsBytes(half.AsSpan()).CopyTo(new Span<byte>(memory + (long)last * d * 2, d * 2));
            var weight = WeightData.FromPinned("token_embd.weight", DType.F16, rows, d, memory, bytes);
            var buffer = _device.LoadWeights(weight, WeightUse.Any);
            Assert.Equal(bytes, buffer.ByteLength);
            Assert.True(((CpuBuffer)buffer).Pointer == memory);
            var dst = _stream.PutF32(new float[2 * d], 2, d);
            _stream.EmbeddingLookup(new DeviceTensor(buffer, 0, DType.F16, rows, d), _stream.PutI32([last, 0]), dst);
            var expected = new float[2 * d];
            for (int i = 0; i < d; i++)
                expected[i] = (float)half[i];
            Assert.Equal(expected, _stream.GetF32(dst));
        }
        finally
        {
            NativeMemory.Free(memory);
        }
    }

    [Fact]
    public void LoadWeights_InvalidWeightData_IsRefusedByName()
    {
        var bytes = GC.AllocateArray<byte>(64, pinned: true);
        var e = Assert.Throws<ArgumentException>(() => _device.LoadWeights(TestTensors.Weight(bytes, DType.F32, 4, 5, "output.weight"), WeightUse.Any));
        Assert.Contains("weight 'output.weight'", e.Message);
        Assert.Throws<ArgumentException>(() => _device.LoadWeights(TestTensors.Weight(bytes, DType.F32, 0, 16), WeightUse.Any));
        e = Assert.Throws<ArgumentException>(() => _device.LoadWeights(new WeightData("nowhere", DType.F32, 4, 4, 0, 64), WeightUse.MatMulOnly));
        Assert.Contains("'nowhere'", e.Message);
        Assert.Throws<ArgumentNullException>(() => _device.LoadWeights(null!, WeightUse.Any));
        Assert.Throws<ArgumentOutOfRangeException>(() => _device.LoadWeights(TestTensors.Weight(bytes, DType.F32, 4, 4), (WeightUse)7));
    }

    [Fact]
    public void ProfilingStream_PassesEveryOpThrough_BitForBit()
    {
        // MERIDIAN_PROFILE=1 wraps the stream in ProfilingComputeStream: the same ops must give the same bits.
        using var profiled = new ProfilingComputeStream(_device.CreateStream());
        var rng = new Random(6);
        float[] x = TestTensors.Random(rng, 6 * 32), w = TestTensors.Random(rng, 32);
        int[] positions = [0, 1, 2, 3, 4, 5];
        float[] Run(IComputeStream s)
        {
            s.BeginStep();
            var tx = s.PutF32(x, 6, 32);
            s.RmsNorm(tx, s.PutF32(w, 1, 32), 1e-5f, tx);
            s.Rope(tx, s.PutI32(positions), new RopeSpec(8, 10000f, RopeLayout.RotateHalf));
            var keys = s.PutF16(new Half[8 * 16], 8, 16);
            var slots = s.PutI32([7, 0, 3, 1, 2, 4]);
            s.ScatterRows(tx.Reshape(12, 16).SliceRows(0, 6), slots, keys);
            s.ScatterRows(tx.Reshape(12, 16).SliceRows(6, 6), slots, keys.SliceRows(0, 8)); // overwrite: same slots
            var batch = new PagedAttentionBatch(s.PutI32([0, 6, 0, 0], 1, 4), s.PutI32([1, 0]), 4, 6);
            var att = s.PutF32(new float[6 * 32], 6, 32);
            s.PagedAttention(tx, keys, keys, batch, new AttentionParams(4, 2, 8, 0.5f, 3, 20f), att);
            s.SwiGlu(att, tx, att);
            s.Add(att, tx, att);
            var rows = s.PutF32(new float[2 * 32], 2, 32);
            s.GatherRows(att, s.PutI32([5, 2]), rows);
            s.Softmax(rows);
            var copy = s.PutF32(new float[2 * 32], 2, 32);
            s.Copy(rows, copy);
            var best = s.PutI32([0, 0]);
            s.ArgMax(copy, best);
            s.SubmitStep();
            s.Synchronize();
            return [.. s.GetF32(copy), .. s.GetI32(best).Select(i => (float)i)];
        }
        Assert.Equal(Run(_stream), Run(profiled));
    }

    private sealed class InlineProgress(List<long> values) : IProgress<long>
    {
        public void Report(long value) => values.Add(value);
    }
}
