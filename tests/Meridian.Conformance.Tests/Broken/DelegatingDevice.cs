// A device that forwards everything to another (the CPU): the base of the test backends broken on purpose.
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Conformance.Tests.Broken;

internal class DelegatingDevice(IDevice inner) : IDevice
{
    protected IDevice Inner => inner;

    public virtual string Name => $"{GetType().Name} over {inner.Name}";

    public DeviceKind Kind => inner.Kind;

    public long MemoryBytes => inner.MemoryBytes;

    public long MaxAllocationBytes => inner.MaxAllocationBytes;

    public virtual bool Supports(BackendOp op, DType type) => inner.Supports(op, type);

    public IDeviceBuffer Allocate(long bytes, BufferUsage usage) => inner.Allocate(bytes, usage);

    public virtual IDeviceBuffer LoadWeights(WeightData weight, WeightUse use, IProgress<long>? progress = null) => inner.LoadWeights(weight, use, progress);

    public IComputeStream CreateStream() => Wrap(inner.CreateStream());

    /// <summary>The stream this device hands out around the inner device's.</summary>
    protected virtual IComputeStream Wrap(IComputeStream stream) => new DelegatingStream(this, stream);

    public void Dispose()
    {
    }
}
