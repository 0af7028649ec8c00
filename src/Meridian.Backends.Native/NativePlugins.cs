// Where plugins come from: `--device plugin:PATH` (loaded when named) and the plugins folders searched at
// start-up (ggml's backend directory scan): "plugins" beside the executable and every folder in
// MERIDIAN_PLUGIN_PATH. A file that is refused is recorded as skipped, with the reason, never fatal.
using Meridian.Core;
using Meridian.Core.Backends;

namespace Meridian.Backends.Native;

/// <summary>Registers backend plugins with a <see cref="BackendRegistry"/>.</summary>
public static class NativePlugins
{
    /// <summary>The environment variable listing extra plugin folders (separated by the platform's path separator).</summary>
    public const string PathVariable = "MERIDIAN_PLUGIN_PATH";

    /// <summary>The folders searched at start-up: "plugins" beside the executable, then those in MERIDIAN_PLUGIN_PATH.</summary>
    public static IReadOnlyList<string> DefaultFolders()
    {
        var folders = new List<string> { Path.Combine(AppContext.BaseDirectory, "plugins") };
        var extra = Environment.GetEnvironmentVariable(PathVariable);
        if (!string.IsNullOrWhiteSpace(extra))
            folders.AddRange(extra.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return folders;
    }

    /// <summary>Whether <paramref name="fileName"/> looks like a plugin: libmeridian-*.so, libmeridian-*.dylib, meridian-*.dll.</summary>
    public static bool IsPluginFileName(string fileName) =>
        (fileName.StartsWith("libmeridian-", StringComparison.Ordinal) && (fileName.EndsWith(".so", StringComparison.Ordinal) || fileName.EndsWith(".dylib", StringComparison.Ordinal)))
        || (fileName.StartsWith("meridian-", StringComparison.OrdinalIgnoreCase) && fileName.EndsWith(".dll", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Lets `--device plugin:PATH[:N]` load a plugin, and registers every plugin found in <paramref name="folders"/>
    /// (default: <see cref="DefaultFolders"/>) under its own name; refused files go to <see cref="BackendRegistry.Skipped"/>.
    /// </summary>
    public static BackendRegistry AddPlugins(this BackendRegistry registry, IEnumerable<string>? folders = null)
    {
        registry.RegisterLoader("plugin", NativeBackendProvider.Load);
        foreach (var folder in folders ?? DefaultFolders())
        {
            if (!Directory.Exists(folder))
                continue;
            foreach (var file in Directory.EnumerateFiles(folder).Where(f => IsPluginFileName(Path.GetFileName(f))).Order(StringComparer.Ordinal))
            {
                try
                {
                    registry.Register(NativeBackendProvider.Load(file));
                }
                catch (Exception e) when (e is MeridianException or ArgumentException)
                {
                    registry.Skip(file, e.Message);
                }
            }
        }
        return registry;
    }
}
