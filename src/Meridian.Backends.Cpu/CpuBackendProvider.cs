// The CPU backend's entry in the backend registry: always available, one device.
using Meridian.Core.Backends;

namespace Meridian.Backends.Cpu;

/// <summary>Provides the host CPU device.</summary>
public sealed class CpuBackendProvider : IBackendProvider
{
    private readonly Lazy<CpuDevice> _device;

    /// <summary>A provider whose device uses <paramref name="threads"/> threads (default: all processors).</summary>
    public CpuBackendProvider(int? threads = null) => _device = new Lazy<CpuDevice>(() => new CpuDevice(threads));

    /// <inheritdoc />
    public string Name => "cpu";

    /// <inheritdoc />
    public ContractVersion ContractVersion => BackendContract.Version;

    /// <inheritdoc />
    public bool IsAvailable => true;

    /// <inheritdoc />
    public int Score => 100; // plugins score above 100 to be preferred over the CPU (native/include/meridian_backend.h)

    /// <inheritdoc />
    public IReadOnlyList<IDevice> Devices => [_device.Value];
}
