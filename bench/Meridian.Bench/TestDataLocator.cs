// Finds ../shared/testdata (third-party fixtures, never committed): --testdata, else MERIDIAN_TESTDATA,
// else the first shared/testdata or ../shared/testdata above the working directory or the binaries.
namespace Meridian.Bench;

internal static class TestDataLocator
{
    public static string? Find(string? explicitDir)
    {
        if (!string.IsNullOrEmpty(explicitDir))
            return Directory.Exists(explicitDir) ? Path.GetFullPath(explicitDir) : null;
        string? env = Environment.GetEnvironmentVariable("MERIDIAN_TESTDATA");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env))
            return Path.GetFullPath(env);
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            {
                foreach (string candidate in new[] { Path.Combine(dir.FullName, "shared", "testdata"), Path.Combine(dir.FullName, "..", "shared", "testdata") })
                    if (Directory.Exists(candidate))
                        return Path.GetFullPath(candidate);
            }
        }
        return null;
    }
}
