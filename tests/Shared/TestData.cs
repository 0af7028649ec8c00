// Locates ../shared/testdata (third-party fixtures) from any test's working directory.
// Tests that need it call Require, which skips with a printed reason when it is absent.
namespace Meridian.Tests.Shared;

internal static class TestData
{
    private static readonly Lazy<string?> Root = new(FindRoot);

    /// <summary>The testdata folder, or null when no ../shared/testdata is found above the test binaries.</summary>
    public static string? RootOrNull => Root.Value;

    /// <summary>Path of <paramref name="relative"/> inside testdata; skips the test when testdata or the file is absent.</summary>
    public static string Require(string relative)
    {
        string? root = Root.Value;
        Skip.If(root is null, "../shared/testdata not found next to the checkout; skipping a test that needs third-party fixtures");
        string path = System.IO.Path.Combine(root!, relative);
        Skip.IfNot(File.Exists(path) || Directory.Exists(path), $"test fixture {path} is absent; skipping");
        return path;
    }

    private static string? FindRoot()
    {
        string? env = Environment.GetEnvironmentVariable("MERIDIAN_TESTDATA");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env))
            return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            string candidate = System.IO.Path.Combine(dir.FullName, "shared", "testdata");
            if (Directory.Exists(candidate))
                return candidate;
            candidate = System.IO.Path.Combine(dir.FullName, "..", "shared", "testdata");
            if (Directory.Exists(candidate) && File.Exists(System.IO.Path.Combine(dir.FullName, "Meridian.slnx")))
                return System.IO.Path.GetFullPath(candidate);
        }
        return null;
    }
}
