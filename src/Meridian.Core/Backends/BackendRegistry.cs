// The backends a program knows (registered by its composition root, the CLI) and how a device name
// ("cpu", "vulkan:1") picks one: ggml's backend registry, with the contract version checked on the way in.
namespace Meridian.Core.Backends;

/// <summary>Registered backend providers; <see cref="Resolve"/> turns a --device name into a device.</summary>
public sealed class BackendRegistry
{
    private readonly List<IBackendProvider> _providers = [];
    private readonly List<SkippedBackend> _skipped = [];
    private readonly Dictionary<string, Func<string, IBackendProvider>> _loaders = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, IBackendProvider> _loaded = [];
    private readonly Dictionary<IDevice, IBackendProvider> _resolvedBy = new(ReferenceEqualityComparer.Instance);

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

    /// <summary>Backends found and not registered (a plugin in the plugins folder that was refused), with why.</summary>
    public IReadOnlyList<SkippedBackend> Skipped => _skipped;

    /// <summary>Records a backend that was found and refused, for `meridian devices` to show.</summary>
    public BackendRegistry Skip(string source, string reason)
    {
        _skipped.Add(new SkippedBackend(source, reason));
        return this;
    }

    /// <summary>
    /// Lets device names of the form "SCHEME:ARGUMENT" or "SCHEME:ARGUMENT:INDEX" load a provider on demand
    /// ("plugin:/opt/npu/libmeridian-npu.so"): <paramref name="load"/> gets ARGUMENT, once per distinct ARGUMENT.
    /// </summary>
    public BackendRegistry RegisterLoader(string scheme, Func<string, IBackendProvider> load)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(scheme);
        ArgumentNullException.ThrowIfNull(load);
        _loaders[scheme] = load;
        return this;
    }

    /// <summary>
    /// The device <paramref name="name"/> names: "BACKEND" (its first device) or "BACKEND:INDEX"; null or "auto"
    /// picks the first device of the available provider with the highest score. Unknown names, unavailable
    /// backends and indexes out of range are errors that list what there is.
    /// </summary>
    public IDevice Resolve(string? name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            // Highest score first (registration order among equals), so a lower-scored backend's devices are never
            // opened just to lose (a Vulkan device on lavapipe when the CPU wins).
            foreach (var p in _providers.OrderByDescending(p => p.Score))
            {
                if (p.IsAvailable && p.Devices.Count > 0)
                    return Resolved(p, p.Devices[0]);
            }
            throw new MeridianException("no backend with a usable device is available");
        }
        int colon = name.IndexOf(':');
        if (colon > 0 && _loaders.TryGetValue(name[..colon], out var load))
            return ResolveLoaded(name, name[(colon + 1)..], load);
        string backend = colon < 0 ? name : name[..colon];
        int index = 0;
        if (colon >= 0 && (!int.TryParse(name.AsSpan(colon + 1), out index) || index < 0))
            throw new MeridianException($"device '{name}': the part after ':' must be a device index (0, 1, ...)");
        var provider = _providers.FirstOrDefault(p => string.Equals(p.Name, backend, StringComparison.OrdinalIgnoreCase))
            ?? throw new MeridianException($"device '{name}': no backend called '{backend}' (known: {string.Join(", ", _providers.Select(p => p.Name))})");
        return DeviceOf(provider, name, index);
    }

    /// <summary>The provider whose device <see cref="Resolve"/> returned <paramref name="device"/>; null for a device it did not resolve.</summary>
    public IBackendProvider? ProviderOf(IDevice device) => _resolvedBy.GetValueOrDefault(device);

    // "plugin:PATH" is the first device of the plugin at PATH, "plugin:PATH:N" its device N (PATH itself may hold
    // colons, a Windows drive for one: only a final ":digits" is an index).
    private IDevice ResolveLoaded(string name, string argument, Func<string, IBackendProvider> load)
    {
        int index = 0;
        int last = argument.LastIndexOf(':');
        if (last > 0 && last < argument.Length - 1 && argument.AsSpan(last + 1).IndexOfAnyExceptInRange('0', '9') < 0)
        {
            index = int.Parse(argument.AsSpan(last + 1), System.Globalization.CultureInfo.InvariantCulture);
            argument = argument[..last];
        }
        if (argument.Length == 0)
            throw new MeridianException($"device '{name}': name what to load after the ':'");
        if (!_loaded.TryGetValue(argument, out var provider))
        {
            provider = load(argument);
            BackendContract.Check(provider);
            _loaded[argument] = provider;
        }
        return DeviceOf(provider, name, index);
    }

    // Device index of an available provider, or an error naming what is missing.
    private IDevice DeviceOf(IBackendProvider provider, string name, int index)
    {
        if (!provider.IsAvailable)
            throw new MeridianException($"device '{name}': the {provider.Name} backend is not available on this machine"
                + (provider.UnavailableReason is { } why ? $": {why}" : ""));
        var devices = provider.Devices;
        if (index >= devices.Count)
            throw new MeridianException($"device '{name}': the {provider.Name} backend has {devices.Count} device(s), numbered from 0");
        return Resolved(provider, devices[index]);
    }

    private IDevice Resolved(IBackendProvider provider, IDevice device)
    {
        _resolvedBy[device] = provider;
        return device;
    }
}
