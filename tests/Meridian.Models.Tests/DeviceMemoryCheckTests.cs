// A model whose weights plus KV cache exceed its device's memory is refused before any weight is uploaded, naming
// both sizes and the device's; one that fits loads. The device is the CPU with a memory size of the test's choosing,
// counting LoadWeights calls; the sizes expected are computed here from the file's tensors and the config.
using Meridian.Backends.Cpu;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;
using Meridian.Engine.Serving;
using Meridian.Formats.Gguf;
using Meridian.Tests.Shared;

namespace Meridian.Models.Tests;

public sealed class DeviceMemoryCheckTests
{
    private static readonly SyntheticShape Shape = new(D: 256, F: 512, V: 64, H: 4, Hkv: 2, Dh: 64, L: 2);

    [Fact]
    public void WeightsAloneTooBig_RefusedBeforeUpload_NamingWeightsAndDeviceMemory()
    {
        using var dir = new TempDir();
        string path = Write(dir);
        long weights = WeightBytes(path);
        using var cpu = new CpuDevice(threads: 1);
        var device = new SizedDevice(cpu, weights - 1);
        var e = Assert.Throws<DeviceMemoryException>(() => ModelLoader.Load(path, device));
        Assert.Equal(0, device.Uploads);
        Assert.Contains($"{weights:N0} bytes) of weights", e.Message);
        Assert.Contains($"the device has {(weights - 1) / (double)(1L << 20):0.0} MiB ({weights - 1:N0} bytes)", e.Message);
    }

    [Fact]
    public void WeightsFitButNotWithTheKvCache_RefusedBeforeUpload_NamingBoth()
    {
        using var dir = new TempDir();
        string path = Write(dir);
        long weights = WeightBytes(path);
        // 2 layers x (keys + values) x 2 kv heads x 64 x 4 bytes = 2048 bytes per position in f32
        long perToken = 2L * 2 * 2 * 64 * 4;
        var engine = new LlmEngineOptions { BlockSize = 16, KvBlocks = 64 };
        long kv = LlmEngine.KvCacheBytes(engine, 128, perToken);
        Assert.Equal(64L * 16 * perToken, kv);
        using var cpu = new CpuDevice(threads: 1);
        var device = new SizedDevice(cpu, weights + kv - 1);
        var options = new ModelLoadOptions { KvCacheBytes = (context, bytes) => LlmEngine.KvCacheBytes(engine, context, bytes) };
        var e = Assert.Throws<DeviceMemoryException>(() => ModelLoader.Load(path, device, options));
        Assert.Equal(0, device.Uploads);
        Assert.Contains($"({weights:N0} bytes) of weights plus", e.Message);
        Assert.Contains($"({kv:N0} bytes) of KV cache (f32)", e.Message);
        Assert.Contains($"({weights + kv:N0} bytes)", e.Message);

        var fits = new SizedDevice(cpu, weights + kv);
        using var model = ModelLoader.Load(path, fits, options);
        Assert.True(fits.Uploads > 0);
        Assert.Equal(perToken, model.KvBytesPerToken);
    }

    private static string Write(TempDir dir)
    {
        string path = dir.File("model.gguf");
        SyntheticModel.Random("llama", Shape, seed: 3).WriteGguf(path, DType.Q8_0);
        return path;
    }

    // Every tensor's bytes, from the file's own directory.
    private static long WeightBytes(string path)
    {
        using var file = GgufFile.Open(path);
        return file.Tensors.Sum(t => t.ByteSize);
    }

    private sealed class SizedDevice(CpuDevice inner, long memory) : IDevice
    {
        public int Uploads { get; private set; }

        public string Name => "sized " + inner.Name;

        public DeviceKind Kind => DeviceKind.Gpu;

        public long MemoryBytes => memory;

        public long MaxAllocationBytes => memory;

        public bool Supports(BackendOp op, DType type) => inner.Supports(op, type);

        public IDeviceBuffer Allocate(long bytes, BufferUsage usage) => inner.Allocate(bytes, usage);

        public IDeviceBuffer LoadWeights(WeightData weight, WeightUse use, IProgress<long>? progress = null)
        {
            Uploads++;
            return inner.LoadWeights(weight, use, progress);
        }

        public IComputeStream CreateStream() => inner.CreateStream();

        public void Dispose() { }
    }
}
