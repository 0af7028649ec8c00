// Disposing a model frees the weight memory its device owns: packed matrices (hundreds of MB for a
// 1B model) and decoded norm vectors. Views of the memory map own nothing and stay as they are.
using Meridian.Backends.Cpu;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;
using Meridian.Tests.Shared;

namespace Meridian.Models.Tests;

public sealed unsafe class WeightDisposalTests
{
    [Fact]
    public void Dispose_FreesEveryBufferTheDeviceAllocatedForWeights()
    {
        var synthetic = SyntheticModel.Random("llama", new SyntheticShape(D: 256, F: 512, V: 40, H: 4, Hkv: 2, Dh: 64, L: 2), seed: 5);
        using var dir = new TempDir();
        string path = dir.File("model.gguf");
        synthetic.WriteGguf(path, DType.Q4_0);
        using var cpu = new CpuDevice(threads: 2);
        var device = new RecordingDevice(cpu);

        var model = ModelLoader.Load(path, device);
        var owned = device.Buffers.Where(b => b.Owned).ToList();
        Assert.NotEmpty(owned); // norm vectors at least, and packed matrices on AVX2
        Assert.All(owned, b => Assert.False(b.Buffer.Pointer == null));
        model.Dispose();
        Assert.All(owned, b => Assert.True(b.Buffer.Pointer == null, $"a {b.Buffer.ByteLength}-byte weight buffer outlived its model"));
    }

    private sealed class RecordingDevice(CpuDevice inner) : IDevice
    {
        public List<(CpuBuffer Buffer, bool Owned)> Buffers { get; } = [];

        public string Name => inner.Name;

        public DeviceKind Kind => inner.Kind;

        public long MemoryBytes => inner.MemoryBytes;

        public bool Supports(BackendOp op, DType type) => inner.Supports(op, type);

        public IDeviceBuffer Allocate(long bytes, BufferUsage usage) => Record(inner.Allocate(bytes, usage), owned: usage == BufferUsage.Weights);

        public long MaxAllocationBytes => inner.MaxAllocationBytes;

        public IDeviceBuffer LoadWeights(WeightData weight, WeightUse use, IProgress<long>? progress = null)
        {
            var buffer = (CpuBuffer)inner.LoadWeights(weight, use, progress);
            return Record(buffer, owned: buffer.Packed);
        }

        public IComputeStream CreateStream() => inner.CreateStream();

        public void Dispose() => inner.Dispose();

        private IDeviceBuffer Record(IDeviceBuffer buffer, bool owned)
        {
            Buffers.Add(((CpuBuffer)buffer, owned));
            return buffer;
        }
    }
}
