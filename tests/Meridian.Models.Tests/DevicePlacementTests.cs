// Issue 14: the loader checks every (op, dtype) a model needs against its device before any weight is read.
// A device lacking one is refused with op, dtype and tensor named; with a fallback device the model runs, the
// missing pairs on the fallback (counted, described), and its logits are the plain CPU's, bit for bit.
using Meridian.Backends.Cpu;
using Meridian.Backends.Cpu.Tests.Fallback;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;
using Meridian.Tests.Shared;

namespace Meridian.Models.Tests;

public sealed class DevicePlacementTests
{
    private static readonly SyntheticShape Shape = new(D: 64, F: 128, V: 40, H: 4, Hkv: 2, Dh: 16, L: 2);

    [Fact]
    public void MissingMatMulType_Refused_NamingOpDtypeAndTensor_BeforeAnyWeightLoads()
    {
        using var dir = new TempDir();
        string path = Write(dir, DType.Q4_0);
        using var device = new CountingDevice(new RestrictedDevice(new CpuDevice(threads: 1), [(BackendOp.MatMul, DType.Q4_0)]));
        var e = Assert.Throws<UnsupportedOpException>(() => ModelLoader.Load(path, device));
        Assert.Contains("matmul on q4_0", e.Message);
        Assert.Contains("blk.0.attn_q.weight", e.Message);
        Assert.Contains("--allow-fallback", e.Message);
        Assert.Equal(0, device.WeightsLoaded);
    }

    [Fact]
    public void MissingF16KvCache_Refused_NamingPagedAttention()
    {
        using var dir = new TempDir();
        string path = Write(dir, DType.F32);
        using var device = new RestrictedDevice(new CpuDevice(threads: 1), [(BackendOp.PagedAttention, DType.F16)]);
        var e = Assert.Throws<UnsupportedOpException>(() => ModelLoader.Load(path, device, new ModelLoadOptions { KvType = DType.F16 }));
        Assert.Contains("paged_attention on f16", e.Message);
        using var f32 = ModelLoader.Load(path, device); // an f32 cache needs nothing it lacks
        Assert.Same(device, f32.Device);
    }

    [Fact]
    public void WithFallback_RunsOnBoth_LogitsEqualPlainCpu_AndCountsTheFallback()
    {
        using var dir = new TempDir();
        string path = Write(dir, DType.Q4_0);
        int[] prompt = ForwardBatchTests.Tokens(12, 3);
        var expected = new float[Shape.V];
        using (var cpu = new CpuDevice(threads: 1))
        using (var plain = ModelLoader.Load(path, cpu))
        using (var state = new SequenceState(plain, capacity: 16))
            state.Forward(prompt, 0, expected);

        var primary = new RestrictedDevice(new CpuDevice(threads: 1), [(BackendOp.MatMul, DType.Q4_0), (BackendOp.PagedAttention, DType.F32)]);
        using var model = ModelLoader.Load(path, primary, new ModelLoadOptions { FallbackDevice = new CpuDevice(threads: 1) });
        var fallback = Assert.IsType<FallbackDevice>(model.Device);
        Assert.Contains("matmul on q4_0", fallback.Describe());
        Assert.Contains("paged_attention on f32", fallback.Describe());
        var actual = new float[Shape.V];
        using (var state = new SequenceState(model, capacity: 16))
            state.Forward(prompt, 0, actual);
        Assert.Equal(expected, actual);
        Assert.True(fallback.Stats.CallsOf(BackendOp.MatMul, DType.Q4_0) > 0);
        Assert.Equal(Shape.L, fallback.Stats.CallsOf(BackendOp.PagedAttention, DType.F32));
        Assert.True(primary.OpsRun > 0, "the primary ran nothing: everything fell back");
        fallback.Dispose();
    }

    [Fact]
    public void GgufWeights_ReachTheDevice_WithTheFileAndOffsetOfTheirBytes()
    {
        // A device may read a weight from the file itself (in pieces, without the host's copy): every weight
        // handed over names the file and offset whose bytes are the ones in memory.
        using var dir = new TempDir();
        string path = Write(dir, DType.Q8_0);
        using var device = new CountingDevice(new CpuDevice(threads: 1));
        using var model = ModelLoader.Load(path, device);
        Assert.NotEmpty(device.Weights);
        using var file = File.OpenHandle(path);
        foreach (var w in device.Weights)
        {
            Assert.Equal(path, w.FilePath);
            var fromFile = new byte[w.ByteLength];
            Assert.Equal(fromFile.Length, RandomAccess.Read(file, fromFile, w.FileOffset));
            Assert.True(w.Span.SequenceEqual(fromFile), $"{w.Name}: the bytes at offset {w.FileOffset} are not the weight's");
        }
    }

    private static string Write(TempDir dir, DType type)
    {
        string path = dir.File($"llama-{type.Name()}.gguf");
        SyntheticModel.Random("llama", Shape, seed: 4).WriteGguf(path, type);
        return path;
    }

    // Counts weights handed to the device, so a refusal can be shown to come before any.
    private sealed class CountingDevice(IDevice inner) : IDevice
    {
        public int WeightsLoaded;

        public List<WeightData> Weights { get; } = [];

        public string Name => inner.Name;

        public DeviceKind Kind => inner.Kind;

        public long MemoryBytes => inner.MemoryBytes;

        public long MaxAllocationBytes => inner.MaxAllocationBytes;

        public bool Supports(BackendOp op, DType type) => inner.Supports(op, type);

        public IDeviceBuffer Allocate(long bytes, BufferUsage usage) => inner.Allocate(bytes, usage);

        public IDeviceBuffer LoadWeights(WeightData weight, WeightUse use, IProgress<long>? progress = null)
        {
            WeightsLoaded++;
            Weights.Add(weight);
            return inner.LoadWeights(weight, use, progress);
        }

        public IComputeStream CreateStream() => inner.CreateStream();

        public void Dispose() => inner.Dispose();
    }
}
