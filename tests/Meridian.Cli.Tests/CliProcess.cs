// Runs the built `meridian` executable as a child process, for what only a real process shows: the
// bytes written to stdout and read from stdin, under a given locale.
using System.Diagnostics;

namespace Meridian.Cli.Tests;

/// <summary>Exit code and the raw bytes of each stream.</summary>
internal sealed record CliProcessResult(int ExitCode, byte[] Stdout, byte[] Stderr);

internal static class CliProcess
{
    public static CliProcessResult Run(string[] args, IReadOnlyDictionary<string, string?>? environment = null, byte[]? stdin = null)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "meridian.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: the test project should copy the CLI's output");
        // The test host runs under the same dotnet as the CLI should.
        string host = Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
        var start = new ProcessStartInfo(host)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (string a in args)
            start.ArgumentList.Add(a);
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) start.Environment.Remove(key);
            else start.Environment[key] = value;
        }
        using var process = Process.Start(start)!;
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        var copyOut = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        var copyErr = process.StandardError.BaseStream.CopyToAsync(stderr);
        if (stdin != null)
            process.StandardInput.BaseStream.Write(stdin);
        process.StandardInput.Close();
        Assert.True(process.WaitForExit(60_000), "meridian did not exit within 60 s");
        Task.WaitAll(copyOut, copyErr);
        return new CliProcessResult(process.ExitCode, stdout.ToArray(), stderr.ToArray());
    }

    /// <summary>A locale whose charset is not UTF-8 (LC_ALL and LC_CTYPE cleared so LANG decides).</summary>
    public static readonly IReadOnlyDictionary<string, string?> Latin1Locale = new Dictionary<string, string?>
    {
        ["LANG"] = "en_US.ISO-8859-1",
        ["LC_ALL"] = null,
        ["LC_CTYPE"] = null,
    };
}
