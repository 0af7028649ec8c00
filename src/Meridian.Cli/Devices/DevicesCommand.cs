// `meridian devices [--json]`: every backend registered in the composition root (CliBackends) and each device
// it finds: name, kind, memory, largest allocation, the contract version, and the op × dtype pairs it claims,
// with the pairs `--allow-fallback` would run on the CPU instead.
using System.CommandLine;
using System.Text.Json;
using Meridian.Conformance.Reports;
using Meridian.Core.Backends;

namespace Meridian.Cli.Devices;

internal static class DevicesCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr) => Create(stdout, stderr, CliBackends.Create);

    /// <summary>The command over the backends <paramref name="backends"/> makes (tests pass their own).</summary>
    public static Command Create(TextWriter stdout, TextWriter stderr, Func<int?, BackendRegistry> backends)
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object (keys documented in docs/cli.md)" };
        var threads = new Option<int?>("--threads", "-t") { Description = "CPU threads the cpu device is opened with (default: all processors)" };
        var command = new Command("devices", "List the backends and devices Meridian can run on, with each device's op × dtype support") { json, threads };
        command.SetAction(parse => CliErrors.Run(stderr, () =>
        {
            int? threadCount = parse.GetValue(threads);
            if (threadCount is < 1)
                throw new CliUsageException($"--threads must be at least 1, not {threadCount}");
            var listing = Describe(backends(threadCount));
            if (parse.GetValue(json))
                stdout.WriteLine(JsonSerializer.Serialize(listing, DevicesJson.Context.DevicesListing));
            else
                DevicesTextRenderer.Write(stdout, listing);
            return 0;
        }));
        return command;
    }

    /// <summary>Opens every available backend's devices and describes them; a backend that fails to open is listed with its error.</summary>
    public static DevicesListing Describe(BackendRegistry registry)
    {
        var opened = new List<IDevice>();
        try
        {
            var cpu = registry.Providers.FirstOrDefault(p => p.Name == "cpu" && p.IsAvailable);
            var backends = new List<BackendEntry>();
            foreach (var provider in registry.Providers)
            {
                var devices = new List<DeviceEntry>();
                string? error = null;
                try
                {
                    if (provider.IsAvailable)
                    {
                        var list = provider.Devices;
                        opened.AddRange(list);
                        var fallback = cpu != null && provider != cpu ? cpu.Devices[0] : null;
                        if (fallback != null)
                            opened.Add(fallback);
                        for (int i = 0; i < list.Count; i++)
                            devices.Add(Entry($"{provider.Name}:{i}", list[i], fallback));
                    }
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    error = $"{ex.GetType().Name}: {ex.Message}";
                }
                backends.Add(new BackendEntry(provider.Name, provider.ContractVersion.ToString(), provider.IsAvailable, provider.Score, devices, error));
            }
            return new DevicesListing(BackendContract.Version.ToString(), backends, [.. registry.Skipped.Select(s => new SkippedEntry(s.Source, s.Reason))]);
        }
        finally
        {
            foreach (var device in opened.Distinct())
                device.Dispose();
        }
    }

    private static DeviceEntry Entry(string id, IDevice device, IDevice? fallback)
    {
        var d = DeviceDescription.Of(device);
        Dictionary<string, IReadOnlyList<string>>? routed = null;
        if (fallback != null)
        {
            var f = DeviceDescription.Of(fallback);
            routed = [];
            foreach (var (op, types) in f.Supports)
            {
                var missing = types.Except(d.Supports[op]).ToArray();
                if (missing.Length > 0)
                    routed[op] = missing;
            }
        }
        return new DeviceEntry(id, d.Name, d.Kind, d.MemoryBytes, d.MaxAllocationBytes, d.Supports, routed, (device as IDeviceFeatures)?.Features);
    }
}
