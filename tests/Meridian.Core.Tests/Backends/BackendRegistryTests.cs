// The contract version check and --device name resolution of BackendRegistry, over stand-in providers
// (no device is ever asked to compute here).
using Meridian.Core;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Core.Tests.Backends;

public sealed class BackendRegistryTests
{
    [Fact]
    public void Register_OtherMajorVersion_RefusedNamingBothVersions()
    {
        var provider = new Provider("npu", new ContractVersion(BackendContract.Version.Major + 1, 0), score: 5, devices: 1);
        var e = Assert.Throws<BackendVersionException>(() => new BackendRegistry().Register(provider));
        Assert.Contains($"contract {BackendContract.Version.Major + 1}.0", e.Message);
        Assert.Contains($"speaks {BackendContract.Version}", e.Message);
        Assert.Contains("'npu'", e.Message);
    }

    [Fact]
    public void Register_SameMajorOtherMinor_Accepted()
    {
        var newer = new Provider("a", BackendContract.Version with { Minor = BackendContract.Version.Minor + 3 }, score: 0, devices: 1);
        Assert.Same(newer, Assert.Single(new BackendRegistry().Register(newer).Providers));
    }

    [Fact]
    public void Resolve_NamesIndexesAndAuto()
    {
        var cpu = new Provider("cpu", BackendContract.Version, score: 0, devices: 1);
        var gpu = new Provider("gpu", BackendContract.Version, score: 10, devices: 2);
        var registry = new BackendRegistry().Register(cpu).Register(gpu);
        Assert.Same(gpu.Devices[0], registry.Resolve(null));       // the highest score wins
        Assert.Same(gpu.Devices[0], registry.Resolve("auto"));
        Assert.Same(cpu.Devices[0], registry.Resolve("CPU"));      // names are case-insensitive
        Assert.Same(gpu.Devices[1], registry.Resolve("gpu:1"));
        Assert.Contains("has 2 device(s)", Assert.Throws<MeridianException>(() => registry.Resolve("gpu:2")).Message);
        Assert.Contains("known: cpu, gpu", Assert.Throws<MeridianException>(() => registry.Resolve("vulkan")).Message);
        Assert.Contains("device index", Assert.Throws<MeridianException>(() => registry.Resolve("gpu:x")).Message);
        Assert.Throws<ArgumentException>(() => registry.Register(new Provider("GPU", BackendContract.Version, 0, 1)));
    }

    [Fact]
    public void Resolve_UnavailableBackend_SaysSo_AndAutoSkipsIt()
    {
        var cpu = new Provider("cpu", BackendContract.Version, score: 0, devices: 1);
        var gone = new Provider("gpu", BackendContract.Version, score: 10, devices: 0);
        var registry = new BackendRegistry().Register(cpu).Register(gone);
        Assert.Contains("not available", Assert.Throws<MeridianException>(() => registry.Resolve("gpu")).Message);
        Assert.Same(cpu.Devices[0], registry.Resolve(null));
    }

    private sealed class Provider(string name, ContractVersion version, int score, int devices) : IBackendProvider
    {
        public string Name => name;

        public ContractVersion ContractVersion => version;

        public bool IsAvailable => devices > 0;

        public int Score => score;

        public IReadOnlyList<IDevice> Devices { get; } = Enumerable.Range(0, devices).Select(i => (IDevice)new NoDevice($"{name}:{i}")).ToArray();
    }

    // A device that is only ever named, never used.
    private sealed class NoDevice(string name) : IDevice
    {
        public string Name => name;

        public DeviceKind Kind => DeviceKind.Accelerator;

        public long MemoryBytes => 0;

        public long MaxAllocationBytes => 0;

        public bool Supports(BackendOp op, DType type) => false;

        public IDeviceBuffer Allocate(long bytes, BufferUsage usage) => throw new NotSupportedException();

        public IDeviceBuffer LoadWeights(WeightData weight, WeightUse use, IProgress<long>? progress = null) => throw new NotSupportedException();

        public IComputeStream CreateStream() => throw new NotSupportedException();

        public void Dispose()
        {
        }
    }
}
