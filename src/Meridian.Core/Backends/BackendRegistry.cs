// The backends a program knows (registered by its composition root, the CLI) and how a device name
// ("cpu", "vulkan:1") picks one: ggml's backend registry, with the contract version checked on the way in.
namespace Meridian.Core.Backends;

/// <summary>Registered backend providers; <see cref="Resolve"/> turns a --device name into a device.</summary>
public sealed class BackendRegistry
{
    private readonly List<IBackendProvider> _providers = [];

    /// <summary>Adds <paramref name="provider"/> after checking its contract version (a different major is refused).</summary>
    public BackendRegistry Register(IBackendProvider provider)
    {
        BackendContract.Check(provider);
        if (_providers.Any(p => string.Equals(p.Name, provider.Name, StringComparison.OrdinalIgnoreCase)))
            throw new ArgumentException($"a backend named '{provider.Name}' is already registered");
        _providers.Add(provider);
        return this;
    }

    /// <summary>Every registered provider, in registration order.</summary>
    public IReadOnlyList<IBackendProvider> Providers => _providers;

    /// <summary>
    /// The device <paramref name="name"/> names: "BACKEND" (its first device) or "BACKEND:INDEX"; null or "auto"
    /// picks the first device of the available provider with the highest score. Unknown names, unavailable
    /// backends and indexes out of range are errors that list what there is.
    /// </summary>
    public IDevice Resolve(string? name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            var best = _providers.Where(p => p.IsAvailable && p.Devices.Count > 0).OrderByDescending(p => p.Score).FirstOrDefault()
                ?? throw new MeridianException("no backend with a usable device is available");
            return best.Devices[0];
        }
        int colon = name.IndexOf(':');
        string backend = colon < 0 ? name : name[..colon];
        int index = 0;
        if (colon >= 0 && (!int.TryParse(name.AsSpan(colon + 1), out index) || index < 0))
            throw new MeridianException($"device '{name}': the part after ':' must be a device index (0, 1, ...)");
        var provider = _providers.FirstOrDefault(p => string.Equals(p.Name, backend, StringComparison.OrdinalIgnoreCase))
            ?? throw new MeridianException($"device '{name}': no backend called '{backend}' (known: {string.Join(", ", _providers.Select(p => p.Name))})");
        if (!provider.IsAvailable)
            throw new MeridianException($"device '{name}': the {provider.Name} backend is not available on this machine");
        var devices = provider.Devices;
        if (index >= devices.Count)
            throw new MeridianException($"device '{name}': the {provider.Name} backend has {devices.Count} device(s), numbered from 0");
        return devices[index];
    }
}
