// Locates the backend plugins CMake builds from native/ (the reference plugin and the ABI test plugins) in
// native/build of the checkout. The build of Meridian.Backends.Native builds them when cmake and a C compiler
// are present (.ci/run installs both); without them the tests that need a plugin skip and say why.
namespace Meridian.Tests.Shared;

internal static class TestPlugins
{
    private static readonly Lazy<string?> BuildDir = new(FindBuildDir);

    /// <summary>The reference plugin's file name stem.</summary>
    public const string Reference = "meridian-reference";

    /// <summary>native/build, or null when no checkout with one is found above the test binaries.</summary>
    public static string? BuildDirOrNull => BuildDir.Value;

    /// <summary>The path of plugin <paramref name="stem"/> ("meridian-reference"); skips the test when it was not built.</summary>
    public static string Require(string stem = Reference)
    {
        string? dir = BuildDir.Value;
        Skip.If(dir is null, "native/build not found: the C plugins were not built (cmake or a C compiler missing); skipping a test that loads one");
        string path = System.IO.Path.Combine(dir!, FileName(stem));
        Skip.IfNot(File.Exists(path), $"{path} was not built; skipping");
        return path;
    }

    /// <summary>An executable built in native/build ("meridian-abi-layout"); skips when absent.</summary>
    public static string RequireProgram(string name)
    {
        string? dir = BuildDir.Value;
        Skip.If(dir is null, "native/build not found: the C programs were not built (cmake or a C compiler missing); skipping");
        string path = System.IO.Path.Combine(dir!, OperatingSystem.IsWindows() ? name + ".exe" : name);
        Skip.IfNot(File.Exists(path), $"{path} was not built; skipping");
        return path;
    }

    /// <summary>The platform's file name of a plugin: libSTEM.so, libSTEM.dylib or STEM.dll.</summary>
    public static string FileName(string stem) =>
        OperatingSystem.IsWindows() ? stem + ".dll" : OperatingSystem.IsMacOS() ? "lib" + stem + ".dylib" : "lib" + stem + ".so";

    private static string? FindBuildDir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Meridian.slnx")))
            {
                string build = System.IO.Path.Combine(dir.FullName, "native", "build");
                return Directory.Exists(build) ? build : null;
            }
        }
        return null;
    }
}
