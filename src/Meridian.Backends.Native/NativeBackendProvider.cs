// A backend plugin in the backend registry: its name is the plugin's ("--device reference-c:0"), its devices are
// opened on first use, and a plugin scoring 0 (no usable device here) is listed as unavailable.
using Meridian.Core.Backends;

namespace Meridian.Backends.Native;

/// <summary>The devices of one <see cref="NativePlugin"/>.</summary>
public sealed class NativeBackendProvider : IBackendProvider
{
    private readonly Lazy<IReadOnlyList<IDevice>> _devices;

    /// <summary>A provider over an already loaded and checked plugin.</summary>
    public NativeBackendProvider(NativePlugin plugin)
    {
        Plugin = plugin;
        _devices = new Lazy<IReadOnlyList<IDevice>>(() => NativeDevice.OpenAll(plugin));
    }

    /// <summary>Loads the plugin at <paramref name="path"/> (see <see cref="NativePlugin.Load"/>).</summary>
    public static NativeBackendProvider Load(string path) => new(NativePlugin.Load(path));

    /// <summary>The plugin behind this provider.</summary>
    public NativePlugin Plugin { get; }

    /// <inheritdoc />
    public string Name => Plugin.Name;

    /// <inheritdoc />
    public ContractVersion ContractVersion => Plugin.AbiVersion;

    /// <inheritdoc />
    public bool IsAvailable => Plugin.Score > 0;

    /// <inheritdoc />
    public int Score => Plugin.Score;

    /// <inheritdoc />
    public IReadOnlyList<IDevice> Devices => IsAvailable ? _devices.Value : [];

    /// <inheritdoc />
    public string? UnavailableReason => IsAvailable ? null : $"{Plugin.Path}: meridian_backend_score() returned 0 (the plugin found no usable device)";
}
