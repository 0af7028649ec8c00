// The Vulkan backend in the registry: "vulkan" and "vulkan:N", devices in preference order (discrete, integrated,
// virtual, then CPU implementations such as Mesa's lavapipe). It scores above the CPU backend when a GPU is there
// and below it when the only Vulkan device is a CPU implementation, so `--device auto` never picks lavapipe.
using Meridian.Core.Backends;

namespace Meridian.Backends.Vulkan;

/// <summary>Vulkan compute devices.</summary>
public sealed class VulkanBackendProvider : IBackendProvider
{
    private static readonly Lazy<IReadOnlyList<VulkanDeviceInfo>> Infos = new(() =>
    {
        var loader = VulkanLoader.Current;
        return loader.PhysicalDevices.Select(d => new VulkanDeviceInfo(loader.Api, d)).OrderBy(i => i.Rank).ToList();
    });

    private static readonly Lazy<IReadOnlyList<VulkanDeviceInfo>> Usable = new(() => Infos.Value.Where(i => i.Problem is null).ToList());

    private readonly Lazy<IReadOnlyList<IDevice>> _devices = new(() => Usable.Value.Select((info, i) => (IDevice)new VulkanDevice(info, i)).ToList());

    /// <inheritdoc />
    public string Name => "vulkan";

    /// <inheritdoc />
    public ContractVersion ContractVersion => BackendContract.Version;

    /// <inheritdoc />
    public bool IsAvailable => Usable.Value.Count > 0;

    /// <inheritdoc />
    public int Score => IsAvailable && Usable.Value[0].Rank < 3 ? 200 : 50;

    /// <inheritdoc />
    public IReadOnlyList<IDevice> Devices => _devices.Value;

    /// <inheritdoc />
    public string? UnavailableReason => IsAvailable ? null : Reason();

    /// <summary>
    /// Another handle on usable device <paramref name="index"/> running the named matmul kernels (rows, groups or
    /// subgroups, as MERIDIAN_VULKAN_MATMUL names them; refused where the device lacks what they need): tests run
    /// every family on whatever device they have.
    /// </summary>
    internal static VulkanDevice Open(int index, string matMul)
    {
        var info = Usable.Value[index];
        return new VulkanDevice(info, index, VulkanKernels.ChooseMatMul(info, matMul));
    }

    private static string Reason()
    {
        if (VulkanLoader.Current.Problem is { } problem)
            return problem;
        var unusable = Infos.Value.Where(i => i.Problem is not null).Select(i => $"{i.Name}: {i.Problem}").ToList();
        return unusable.Count == 0 ? "no Vulkan device" : "no Vulkan device Meridian can use (" + string.Join("; ", unusable) + ")";
    }
}
