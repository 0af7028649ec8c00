// What `meridian devices --json` prints: the contract version of this build, then every registered backend
// with its devices (schema in docs/cli.md).
namespace Meridian.Cli.Devices;

/// <summary>The contract this Meridian speaks, every registered backend, and the plugins found and refused.</summary>
internal sealed record DevicesListing(string Contract, IReadOnlyList<BackendEntry> Backends, IReadOnlyList<SkippedEntry> Skipped);

/// <summary>A plugin file found in a plugins folder and not registered, with the reason.</summary>
internal sealed record SkippedEntry(string Source, string Reason);

/// <summary>
/// A registered backend: its name (the --device prefix), the contract version it implements, whether it can run
/// here, its auto-selection score, its devices, and the error opening them raised (null when none).
/// </summary>
internal sealed record BackendEntry(string Name, string Contract, bool Available, int Score, IReadOnlyList<DeviceEntry> Devices, string? Error);

/// <summary>
/// One device: <paramref name="Id"/> is what --device takes ("cpu:0"); <paramref name="Supports"/> maps every op
/// of the contract to the dtypes it claims; <paramref name="FallbackToCpu"/> lists the pairs the CPU would run
/// under --allow-fallback (null for the CPU itself); <paramref name="Features"/> is the device's own line about its
/// hardware (Vulkan: type, version, subgroup size, fp16, int8, ...), null where it has none.
/// </summary>
internal sealed record DeviceEntry(string Id, string Name, string Kind, long MemoryBytes, long MaxAllocationBytes,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Supports, IReadOnlyDictionary<string, IReadOnlyList<string>>? FallbackToCpu,
    string? Features = null);
