// Runs the `meridian` command in process with captured stdout/stderr, as a user would see them.
using System.Text.Json;

namespace Meridian.Cli.Tests;

/// <summary>Exit code and the text written to each stream.</summary>
internal sealed record CliResult(int ExitCode, string Stdout, string Stderr);

internal static class CliRunner
{
    public static CliResult Run(params string[] args) => RunWithInput("", args);

    /// <summary>Runs with <paramref name="stdin"/> as standard input (for `chat`).</summary>
    public static CliResult RunWithInput(string stdin, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = MeridianCommand.Run(args, stdout, stderr, new StringReader(stdin));
        return new CliResult(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>`meridian inspect PATH --json`, which must succeed silently on stderr; the parsed object.</summary>
    public static JsonElement InspectJson(string path)
    {
        var r = Run("inspect", path, "--json");
        Assert.True(r.ExitCode == 0, $"inspect {path} --json exited {r.ExitCode}: {r.Stderr}");
        Assert.Equal("", r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        return doc.RootElement.Clone();
    }
}
