// Assertions on what a user sees when a command fails: exit 1, nothing on stdout, and exactly one
// stderr line with the given prefix (docs/cli.md), never a stack trace.
namespace Meridian.Cli.Tests;

internal static class CliAssert
{
    public const string ErrorPrefix = "meridian: error: ";

    /// <summary>The run failed with exit 1 and one stderr line starting with <paramref name="prefix"/>; returns that line.</summary>
    public static string OneErrorLine(CliResult r, string prefix = ErrorPrefix)
    {
        Assert.True(r.ExitCode == 1, $"expected exit 1, got {r.ExitCode}; stdout: {r.Stdout}; stderr: {r.Stderr}");
        Assert.Equal("", r.Stdout);
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.True(r.Stderr.EndsWith('\n'), $"the error line ends with a newline: {r.Stderr}");
        string[] lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one stderr line, got {lines.Length}:\n{r.Stderr}");
        Assert.StartsWith(prefix, lines[0]);
        return lines[0];
    }
}
