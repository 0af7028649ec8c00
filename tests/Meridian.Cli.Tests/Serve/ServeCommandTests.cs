// `meridian serve`: flag errors as one line, sizes as the flag reads them, a taken port named, and a
// real child process serving the bundled demo model that answers, then exits 0 on SIGTERM.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Meridian.Cli.Serve;

namespace Meridian.Cli.Tests.Serve;

public sealed partial class ServeCommandTests
{
    [Theory]
    [InlineData("4096", 4096L)]
    [InlineData("2GiB", 2L << 30)]
    [InlineData("512MiB", 512L << 20)]
    [InlineData("1.5G", 3L << 29)]      // 1.5 · 2^30
    [InlineData("10KB", 10_240L)]
    [InlineData(" 1tib ", 1L << 40)]
    public void ByteSize_Valid_ParsesPowersOf1024(string text, long expected) =>
        Assert.Equal(expected, ByteSize.Parse(text, "--kv-memory"));

    [Theory]
    [InlineData("abc")]
    [InlineData("-1GiB")]
    [InlineData("0")]
    [InlineData("2XB")]
    [InlineData("GiB")]
    [InlineData("99999999999TiB")]
    public void ByteSize_Invalid_ThrowsNamingTheFlag(string text)
    {
        var e = Assert.Throws<CliUsageException>(() => ByteSize.Parse(text, "--kv-memory"));
        Assert.StartsWith("--kv-memory", e.Message);
    }

    [Theory]
    [InlineData("--kv-memory", "2XB", "--kv-memory")]
    [InlineData("--max-running", "0", "MaxRunning")]
    [InlineData("--max-queue", "0", "MaxQueue")]
    [InlineData("--block-size", "0", "BlockSize")]
    [InlineData("--api-keys-file", "/nonexistent/keys.txt", "--api-keys-file")]
    [InlineData("--api-key", " ", "--api-key")]
    public void Serve_BadFlag_OneErrorLineNamingIt(string flag, string value, string named)
    {
        var r = CliRunner.Run("serve", flag, value, "--port", "0");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(named, CliAssert.OneErrorLine(r));
    }

    [SkippableFact]
    public void Serve_PortTaken_OneErrorLine()
    {
        SkipWithoutDemoModel();
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var r = CliRunner.Run("serve", "--port", port.ToString(), "--threads", "1");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("address already in use", CliAssert.OneErrorLine(r));
    }

    [SkippableFact]
    public async Task Serve_DemoModel_AnswersThenExitsZeroOnSigterm()
    {
        SkipWithoutDemoModel();
        Skip.IfNot(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "SIGTERM is sent with kill(1)");
        string dll = Path.Combine(AppContext.BaseDirectory, "meridian.dll");
        string host = Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
        var start = new ProcessStartInfo(host) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in new[] { dll, "serve", "--port", "0", "--threads", "2" })
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(); // drained so the child never blocks on a full pipe
        try
        {
            // "meridian: serving meridian-demo on http://127.0.0.1:PORT (...)"
            string? line;
            Match m = Match.Empty;
            while ((line = await process.StandardError.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60))) is not null
                && !(m = ServingLine().Match(line)).Success)
            {
            }
            Assert.True(m.Success, "serve never said where it listens");
            using var client = new HttpClient { BaseAddress = new Uri(m.Groups["url"].Value + "/") };
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("health")).StatusCode);
            using var reply = await client.PostAsync("v1/completions",
                new StringContent("{\"model\":\"meridian-demo\",\"prompt\":\"And God said\",\"max_tokens\":4}", System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
            Assert.Contains("\"completion_tokens\":", await reply.Content.ReadAsStringAsync());

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString()]))
                await kill.WaitForExitAsync();
            var rest = process.StandardError.ReadToEndAsync();
            Assert.True(process.WaitForExit(30_000), "serve did not stop within 30 s of SIGTERM");
            Assert.Equal(0, process.ExitCode);
            Assert.Contains("meridian: stopped", await rest);
            await stdout;
        }
        finally
        {
            if (!process.HasExited)
                process.Kill();
        }
    }

    [GeneratedRegex(@"^meridian: serving \S+ on (?<url>http://[^ ,]+)")]
    private static partial Regex ServingLine();

    private static void SkipWithoutDemoModel() =>
        Skip.IfNot(File.Exists(Path.Combine(AppContext.BaseDirectory, "models", "demo", "meridian-demo.gguf")),
            "the bundled demo model is not beside the CLI build; skipping a test that serves it");
}
