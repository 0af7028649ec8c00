// Finds and runs the built benchmark program (bench/Meridian.Bench): LLamaSharp, the llama.cpp it measures
// against, may be referenced by the bench project only, so `meridian bench` runs `dotnet Meridian.Bench.dll model
// ...` as a child process instead of loading it, and passes on its stdout, stderr and exit code.
using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Meridian.Cli.Bench;

internal static class BenchLauncher
{
    public const string EnvironmentVariable = "MERIDIAN_BENCH";
    public const string DllName = "Meridian.Bench.dll";
    private const string HowToBuild = "build it with `dotnet build -c Release bench/Meridian.Bench` in a Meridian checkout, or set MERIDIAN_BENCH to its Meridian.Bench.dll";

    /// <summary>The bench program: <paramref name="environmentValue"/> (MERIDIAN_BENCH, a file or its folder) when set,
    /// else the first of <see cref="Candidates"/> that exists.</summary>
    /// <exception cref="CliUsageException">Nothing found; the message says how to build it.</exception>
    public static string Locate(string baseDirectory, string? environmentValue)
    {
        if (!string.IsNullOrEmpty(environmentValue))
        {
            string path = Directory.Exists(environmentValue) ? Path.Combine(environmentValue, DllName) : environmentValue;
            return File.Exists(path)
                ? Path.GetFullPath(path)
                : throw new CliUsageException($"{EnvironmentVariable} is {environmentValue}, but {path} does not exist; {HowToBuild}");
        }
        return Candidates(baseDirectory).FirstOrDefault(File.Exists) is { } found
            ? Path.GetFullPath(found)
            : throw new CliUsageException($"the benchmark program ({DllName}) was not found; {HowToBuild}");
    }

    /// <summary>bench/ beside meridian.dll (a published layout), then bench/Meridian.Bench/bin/{Release,Debug}/net10.0
    /// in the first checkout found walking up from <paramref name="baseDirectory"/> (meridian run from its build output).</summary>
    public static IEnumerable<string> Candidates(string baseDirectory)
    {
        yield return Path.Combine(baseDirectory, "bench", DllName);
        for (var dir = new DirectoryInfo(baseDirectory); dir != null; dir = dir.Parent)
            foreach (string configuration in new[] { "Release", "Debug" })
                yield return Path.Combine(dir.FullName, "bench", "Meridian.Bench", "bin", configuration, "net10.0", DllName);
    }

    /// <summary>Runs `dotnet <paramref name="dll"/> <paramref name="args"/>` to the end; its exit code. On the real
    /// console the child inherits it (so it can draw progress on a terminal); otherwise its output is copied over.</summary>
    public static int Run(string dll, IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        bool inherit = ReferenceEquals(stdout, Console.Out) && ReferenceEquals(stderr, Console.Error);
        var start = new ProcessStartInfo(DotnetHost())
        {
            UseShellExecute = false,
            RedirectStandardOutput = !inherit,
            RedirectStandardError = !inherit,
        };
        if (!inherit)
            start.StandardOutputEncoding = start.StandardErrorEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        start.ArgumentList.Add(dll);
        foreach (string a in args)
            start.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new CliUsageException($"could not start {start.FileName}");
        }
        catch (Win32Exception ex)
        {
            throw new CliUsageException($"could not start {start.FileName} to run {dll}: {ex.Message}");
        }
        using (process)
        {
            if (!inherit)
                Task.WaitAll(Copy(process.StandardOutput, stdout), Copy(process.StandardError, stderr));
            process.WaitForExit();
            return process.ExitCode;
        }
    }

    // As it comes (progress lines stay live), until the child closes the stream.
    private static Task Copy(StreamReader from, TextWriter to) => Task.Run(() =>
    {
        var buffer = new char[4096];
        int n;
        while ((n = from.Read(buffer)) > 0)
        {
            to.Write(buffer, 0, n);
            to.Flush();
        }
    });

    // The dotnet that runs this process (`dotnet meridian.dll`), else the one the apphost's runtime belongs to
    // (<root>/shared/Microsoft.NETCore.App/<version>/), else whatever `dotnet` is on PATH.
    private static string DotnetHost()
    {
        string exe = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        if (Environment.ProcessPath is { } current && Path.GetFileName(current) == exe)
            return current;
        string root = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        return File.Exists(Path.Combine(root, exe)) ? Path.Combine(root, exe) : exe;
    }
}
