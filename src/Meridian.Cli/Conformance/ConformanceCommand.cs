// `meridian conformance [--device NAME] [--ops REGEX] [--types LIST] [--perf] [--json FILE]`: runs the backend
// conformance kit (src/Meridian.Conformance, docs/backends.md) on a device. The table goes to stdout, progress
// and failures to stderr as they happen; exit 0 when every case passed, 2 when any failed, 1 on a usage error.
using System.CommandLine;
using System.Text.RegularExpressions;
using Meridian.Conformance;
using Meridian.Backends.Native;
using Meridian.Conformance.Json;
using Meridian.Conformance.Reports;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Cli.Conformance;

internal static class ConformanceCommand
{
    /// <summary>Exit code when the kit ran and a case failed.</summary>
    public const int Failed = 2;

    public static Command Create(TextWriter stdout, TextWriter stderr) => Create(stdout, stderr, CliBackends.Create);

    /// <summary>The command over the backends <paramref name="backends"/> makes (tests pass broken ones).</summary>
    public static Command Create(TextWriter stdout, TextWriter stderr, Func<int?, BackendRegistry> backends)
    {
        var device = new Option<string?>("--device") { Description = "Device to check: BACKEND or BACKEND:INDEX, e.g. cpu (see `meridian devices`; default: the best available)" };
        var threads = new Option<int?>("--threads", "-t") { Description = "CPU threads (default: all processors)" };
        var ops = new Option<string?>("--ops") { Description = "Only ops whose name matches this regular expression (matmul, paged_attention, ...; 'model' for the model level)" };
        var types = new Option<string?>("--types") { Description = "Only these dtypes, comma-separated (f32,f16,q4_0,q4_K,...; default: every dtype the device claims)" };
        var perf = new Option<bool>("--perf") { Description = "Also time matmuls (2048×5632, 4096×14336 at T = 1, 2, 4, 8, 512) and attention (context 512, 4096): µs per call, GB/s, GFLOP/s" };
        var json = new Option<string?>("--json") { Description = "Write the full report as JSON to FILE (schema in docs/backends.md)" };
        var noModels = new Option<bool>("--no-models") { Description = "Skip the model level (whole models against the reference device)" };
        var command = new Command("conformance", "Check a backend device against the scalar reference ops and reference models (the definition of a correct backend)")
        {
            device, threads, ops, types, perf, json, noModels,
        };
        command.SetAction(parse => CliErrors.Run(stderr, () =>
        {
            int? threadCount = parse.GetValue(threads);
            if (threadCount is < 1)
                throw new CliUsageException($"--threads must be at least 1, not {threadCount}");
            var options = new ConformanceOptions
            {
                Ops = ParseOps(parse.GetValue(ops)),
                Types = ParseTypes(parse.GetValue(types)),
                Perf = parse.GetValue(perf),
                Models = !parse.GetValue(noModels),
                Progress = line =>
                {
                    stderr.WriteLine(line);
                    stderr.Flush();
                },
            };
            string? jsonPath = parse.GetValue(json);
            var registry = backends(threadCount);
            var target = registry.Resolve(parse.GetValue(device));
            try
            {
                var backend = IdentityOf(registry, target);
                stderr.WriteLine($"meridian conformance: {target.Name}, contract {BackendContract.Version}"
                    + (backend?.Library is { } library ? $", plugin {backend.Name} {backend.Version} ({library})" : ""));
                var report = ConformanceKit.Run(target, options) with { Backend = backend };
                if (jsonPath != null)
                    File.WriteAllText(jsonPath, ConformanceJson.Serialize(report) + "\n", new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
                ConformanceTextRenderer.Write(stdout, report);
                return report.Passed ? 0 : Failed;
            }
            finally
            {
                target.Dispose();
            }
        }));
        return command;
    }

    // A plugin's name, ABI, version and file; for a built-in backend its name, contract and Meridian's version.
    private static BackendIdentity? IdentityOf(BackendRegistry registry, IDevice device)
    {
        if (device is NativeDevice native)
            return new BackendIdentity(native.Plugin.Name, native.Plugin.AbiVersion.ToString(), native.Plugin.Version, native.Plugin.Path);
        var provider = registry.ProviderOf(device);
        string? meridian = System.Reflection.CustomAttributeExtensions
            .GetCustomAttribute<System.Reflection.AssemblyInformationalVersionAttribute>(typeof(ConformanceKit).Assembly)?.InformationalVersion;
        return provider is null ? null : new BackendIdentity(provider.Name, provider.ContractVersion.ToString(), meridian, null);
    }

    private static Regex? ParseOps(string? pattern)
    {
        if (string.IsNullOrEmpty(pattern))
            return null;
        try
        {
            return new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException ex)
        {
            throw new CliUsageException($"--ops '{pattern}' is not a regular expression: {ex.Message}");
        }
    }

    private static DType[]? ParseTypes(string? list)
    {
        if (string.IsNullOrWhiteSpace(list))
            return null;
        var types = new List<DType>();
        foreach (string name in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!DTypes.TryParse(name, out var type) || type.Info().IsRemoved)
                throw new CliUsageException($"--types: unknown dtype '{name}' (known: {string.Join(", ", DTypes.All.Where(i => !i.IsRemoved).Select(i => i.Name))})");
            types.Add(type);
        }
        return [.. types];
    }
}
