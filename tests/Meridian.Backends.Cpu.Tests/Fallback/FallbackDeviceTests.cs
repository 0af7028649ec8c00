// FallbackDevice itself: which pairs it declares and refuses, where weights land, what it reports at start-up,
// and that its counters add up when several streams run routed ops at once.
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Backends.Cpu.Tests.Fallback;

public sealed class FallbackDeviceTests
{
    [Theory]
    [InlineData(BackendOp.PagedAttention, DType.Q8_0, "paged_attention", "q8_0")] // the CPU keeps f32 and f16 caches only
    [InlineData(BackendOp.MatMul, DType.Q8_1, "matmul", "q8_1")]                 // no codec for q8_1 weights
    [InlineData(BackendOp.Softmax, DType.F16, "softmax", "f16")]
    public void Constructor_PairTheFallbackLacks_IsRefusedNamingOpAndDtype(BackendOp op, DType type, string opName, string typeName)
    {
        using var primary = new RestrictedDevice(new CpuDevice(1), [(op, type)]);
        using var cpu = new CpuDevice(1);

        var e = Assert.Throws<UnsupportedOpException>(() => new FallbackDevice(primary, cpu, [(BackendOp.MatMul, DType.Q4_0), (op, type)]));

        Assert.Contains($"{opName} on {typeName}", e.Message);
        Assert.Contains("restricted", e.Message);
        Assert.Contains(cpu.Name, e.Message);
    }

    [Fact]
    public void Supports_PrimaryPairsAndRoutedPairs_NothingElse()
    {
        using var rig = new FallbackRig((BackendOp.MatMul, DType.Q4_0), (BackendOp.PagedAttention, DType.F16));

        Assert.False(rig.Primary.Supports(BackendOp.MatMul, DType.Q4_0));
        Assert.True(rig.Device.Supports(BackendOp.MatMul, DType.Q4_0));          // routed
        Assert.True(rig.Device.Supports(BackendOp.PagedAttention, DType.F16));   // routed
        Assert.True(rig.Device.Supports(BackendOp.MatMul, DType.Q8_0));          // the primary's own
        Assert.True(rig.Device.Supports(BackendOp.PagedAttention, DType.F32));
        Assert.False(rig.Device.Supports(BackendOp.PagedAttention, DType.Q4_0)); // neither device
        Assert.True(rig.Device.IsRouted(BackendOp.MatMul, DType.Q4_0));
        Assert.False(rig.Device.IsRouted(BackendOp.MatMul, DType.Q8_0));
        Assert.Equal([(BackendOp.MatMul, DType.Q4_0), (BackendOp.PagedAttention, DType.F16)], rig.Device.Routed);
        Assert.Equal("restricted + cpu (2 threads) fallback", rig.Device.Name);
    }

    [Fact]
    public void LoadWeights_RoutedDtypeOnFallback_OthersOnPrimary_DescribeNamesThem()
    {
        using var rig = new FallbackRig((BackendOp.MatMul, DType.Q4_0), (BackendOp.PagedAttention, DType.F16));
        // Two q4_0 [1024, 1024] matrices: 1024·1024/32 blocks of 18 bytes = 589824 bytes each, 1.125 MiB together.
        var q = rig.Device.LoadWeights(rig.Weight("blk.0.attn_q.weight", DType.Q4_0, 1024, 1024, seed: 1), WeightUse.MatMulOnly);
        var k = rig.Device.LoadWeights(rig.Weight("blk.0.attn_k.weight", DType.Q4_0, 1024, 1024, seed: 2), WeightUse.MatMulOnly);
        var down = rig.Device.LoadWeights(rig.Weight("blk.0.ffn_down.weight", DType.Q8_0, 64, 64, seed: 3), WeightUse.MatMulOnly);
        var norm = rig.Device.LoadWeights(rig.Weight("output_norm.weight", DType.F32, 1, 64, seed: 4), WeightUse.Any);
        var kv = rig.Device.Allocate(1024, BufferUsage.KvCache);

        Assert.Same(rig.FallbackCpu, q.Device);
        Assert.Same(rig.FallbackCpu, k.Device);
        Assert.Same(rig.Primary.Inner, down.Device);
        Assert.Same(rig.Primary.Inner, norm.Device);
        Assert.Same(rig.Primary.Inner, kv.Device);
        Assert.Equal("fallback to cpu (2 threads): matmul on q4_0 (blk.0.attn_q.weight and 1 more, 1.1 MiB), paged_attention on f16",
            rig.Device.Describe());
        var stats = rig.Device.Stats; // both routed pairs listed before any call
        Assert.Equal(2, stats.Calls.Count);
        Assert.Equal(0, stats.TotalCalls);
    }

    [Fact]
    public void Describe_NothingRouted_SaysSo()
    {
        using var rig = new FallbackRig();
        Assert.Equal("no fallback: every op runs on restricted", rig.Device.Describe());
    }

    [Fact]
    public void Stats_StreamsOnSeveralThreads_CountEveryCallAndByte()
    {
        const int Threads = 4, Calls = 25, R = 2, C = 8;
        using var rig = new FallbackRig((BackendOp.Softmax, DType.F32));
        var x = FallbackRig.Values(new Random(1), R * C);

        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, _ =>
        {
            using var stream = rig.Device.CreateStream();
            var t = FallbackRig.F32(stream, x, R, C);
            for (int i = 0; i < Calls; i++)
                stream.Softmax(t);
        });

        var stats = rig.Device.Stats;
        Assert.Equal(Threads * Calls, stats.CallsOf(BackendOp.Softmax, DType.F32));
        // Each in-place softmax moves its [2, 8] f32 tensor (64 bytes) in and back.
        Assert.Equal(Threads * Calls * R * C * 4, stats.BytesToFallback);
        Assert.Equal(Threads * Calls * R * C * 4, stats.BytesFromFallback);
    }

    [Fact]
    public void Softmax_Routed_MatchesArithmeticAndLeavesTheTensorOnThePrimary()
    {
        // Write and Read go to whichever device holds the tensor: the primary for allocations, the fallback for
        // weights loaded there. Softmax of [0, ln 3] is [1/4, 3/4].
        using var rig = new FallbackRig((BackendOp.Softmax, DType.F32));
        using var stream = rig.Device.CreateStream();
        var t = FallbackRig.F32(stream, [0f, MathF.Log(3f)], 1, 2);
        stream.Softmax(t);
        var result = new float[2];
        stream.Download(t, result);

        Assert.Equal(0.25f, result[0], 1e-6f);
        Assert.Equal(0.75f, result[1], 1e-6f);
        Assert.Same(rig.Primary.Inner, t.Buffer.Device);
        Assert.Equal(0, rig.Primary.OpsRun);
    }
}
