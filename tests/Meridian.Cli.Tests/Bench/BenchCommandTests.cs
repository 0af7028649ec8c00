// `meridian bench` as a user meets it: bad options and a missing bench program give one error line (docs/cli.md),
// and when the bench program is built a tiny real run prints the documented JSON, its figures related as the
// definitions in docs/cli.md say (arithmetic in the comments).
using System.Runtime.Intrinsics.X86;
using System.Text;
using System.Text.Json;
using Meridian.Cli.Bench;
using Meridian.Formats.Gguf;
using Meridian.Tests.Shared;

namespace Meridian.Cli.Tests.Bench;

public sealed class BenchCommandTests
{
    private const string HowToBuild = "dotnet build -c Release bench/Meridian.Bench";

    [Theory]
    [InlineData("give exactly one of --model PATH and --synthetic SHAPE")]
    [InlineData("unknown --synthetic shape 'nope'", "--synthetic", "nope")]
    [InlineData("unknown --type 'Q9_9'", "--synthetic", "llama-15m", "--type", "Q4_0,Q9_9")]
    [InlineData("-t wants comma-separated thread counts, got 'x'", "--synthetic", "llama-15m", "-t", "2,x")]
    [InlineData("-t needs thread counts of at least 1", "--synthetic", "llama-15m", "-t", "0")]
    [InlineData("--kv-type must be f16 or f32, not 'q8_0'", "--synthetic", "llama-15m", "--kv-type", "q8_0")]
    [InlineData("--device 'npu:0': no backend called 'npu' (known: cpu, vulkan, reference)", "--synthetic", "llama-15m", "--device", "npu:0")]
    [InlineData("-p and -n must be non-negative and not both 0", "--synthetic", "llama-15m", "-p", "0", "-n", "0")]
    [InlineData("--vs knows only llama.cpp, not 'ollama'", "--synthetic", "llama-15m", "--vs", "ollama")]
    [InlineData("no such file: no-such-model.gguf", "--model", "no-such-model.gguf")]
    public void Bench_BadOptions_OneErrorLineBeforeLaunching(string expected, params string[] args)
    {
        var r = CliRunner.Run(["bench", .. args]);

        Assert.Equal(CliAssert.ErrorPrefix + expected, CliAssert.OneErrorLine(r).Split(';')[0]);
    }

    [Fact]
    public void BenchProcess_MeridianBenchMissing_OneErrorLineSayingHowToBuild()
    {
        using var dir = new TempDir();
        string missing = dir.File("Meridian.Bench.dll");

        var p = CliProcess.Run(["bench", "--synthetic", "llama-15m", "-p", "8", "-n", "4", "-r", "1"],
            new Dictionary<string, string?> { [BenchLauncher.EnvironmentVariable] = missing });

        string line = CliAssert.OneErrorLine(new CliResult(p.ExitCode, Encoding.UTF8.GetString(p.Stdout), Encoding.UTF8.GetString(p.Stderr)));
        Assert.Contains(missing, line);
        Assert.Contains(HowToBuild, line);
    }

    [SkippableFact]
    public void Bench_TinySyntheticRun_JsonAsDocumented()
    {
        RequireBuiltBench();

        var r = CliRunner.Run("bench", "--synthetic", "llama-15m", "-p", "8", "-n", "4", "-r", "1", "-t", "1", "--json");

        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}; stderr: {r.Stderr}");
        Assert.Contains("llama-15m Q4_0 t=1 rep 1/1: meridian tg4", r.Stderr); // plain progress lines: stderr is not a terminal
        using var doc = JsonDocument.Parse(r.Stdout);
        var root = doc.RootElement;
        Assert.Equal(["machine", "results", "ratios", "kv_type", "weights"], root.EnumerateObject().Select(p => p.Name));
        var weights = Assert.Single(root.GetProperty("weights").EnumerateArray());
        Assert.Equal(["model", "type", "bytes", "bytes_per_token", "note"], weights.EnumerateObject().Select(p => p.Name));
        Assert.Equal("every weight, one embedding row", weights.GetProperty("note").GetString()); // a dense model
        Assert.True(weights.GetProperty("bytes_per_token").GetDouble() < weights.GetProperty("bytes").GetDouble());
        Assert.Equal("f32", root.GetProperty("kv_type").GetString()); // both engines' KV cache, Meridian's default

        var machine = root.GetProperty("machine");
        Assert.Equal(["cpu", "cores", "isa", "os", "runtime", "memory_bandwidth_gb_per_s", "memory_bandwidth_threads"], machine.EnumerateObject().Select(p => p.Name));
        Assert.Equal(Environment.ProcessorCount, machine.GetProperty("cores").GetInt32());
        string[] isa = machine.GetProperty("isa").GetString()!.Split(' ');
        Assert.Equal(Avx2.IsSupported, isa.Contains("avx2"));
        Assert.Equal(Avx512BW.IsSupported, isa.Contains("avx512bw"));
        Assert.Equal(1, machine.GetProperty("memory_bandwidth_threads").GetInt32()); // the largest -t
        double bandwidth = machine.GetProperty("memory_bandwidth_gb_per_s").GetDouble();
        Assert.True(bandwidth > 0, $"memory bandwidth {bandwidth}");

        var rows = root.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["pp8", "tg4"], rows.Select(x => x.GetProperty("test").GetString()));
        foreach (var row in rows)
        {
            Assert.Equal(["engine", "model", "type", "threads", "test", "tokens_per_second", "stddev", "gb_per_s", "bandwidth_fraction"], row.EnumerateObject().Select(p => p.Name));
            Assert.Equal("meridian", row.GetProperty("engine").GetString());
            Assert.Equal("llama-15m", row.GetProperty("model").GetString());
            Assert.Equal("Q4_0", row.GetProperty("type").GetString());
            Assert.Equal(1, row.GetProperty("threads").GetInt32());
            Assert.True(row.GetProperty("tokens_per_second").GetDouble() > 0);
            Assert.Equal(0, row.GetProperty("stddev").GetDouble()); // one rep: no spread
        }
        Assert.Equal(JsonValueKind.Null, rows[0].GetProperty("gb_per_s").ValueKind);
        Assert.Equal(JsonValueKind.Null, rows[0].GetProperty("bandwidth_fraction").ValueKind);

        // gb_per_s = weight bytes per token (every tensor once, token_embd one row of its V) × tokens/s / 1e9, and
        // bandwidth_fraction = gb_per_s / memory_bandwidth_gb_per_s.
        double tps = rows[1].GetProperty("tokens_per_second").GetDouble();
        double gbPerS = rows[1].GetProperty("gb_per_s").GetDouble();
        Assert.Equal(CachedSyntheticBytesPerToken($"llama-15m-Q4_0-seed1-v{Meridian.Models.Synthetic.SyntheticModels.FormatVersion}.gguf") * tps / 1e9, gbPerS, 1e-9);
        Assert.Equal(gbPerS / bandwidth, rows[1].GetProperty("bandwidth_fraction").GetDouble(), 1e-12);
        Assert.Empty(root.GetProperty("ratios").EnumerateArray()); // no --vs
    }

    [SkippableFact]
    public void BenchProcess_TinySyntheticRun_TableWithBandwidthOnStdout()
    {
        RequireBuiltBench();

        var p = CliProcess.Run(["bench", "--synthetic", "llama-15m", "-p", "0", "-n", "2", "-r", "1", "-t", "1"]);

        string stdout = Encoding.UTF8.GetString(p.Stdout), stderr = Encoding.UTF8.GetString(p.Stderr);
        Assert.True(p.ExitCode == 0, $"exit {p.ExitCode}; stderr: {stderr}");
        string[] lines = stdout.Split('\n');
        Assert.Contains("memory read", lines[0]);
        Assert.Contains("GB/s (1 threads)", lines[0]);
        Assert.Contains("| % mem bw |", lines[2]);
        var row = Assert.Single(lines, l => l.StartsWith("| meridian ", StringComparison.Ordinal));
        Assert.Contains("| tg2 ", row);
        Assert.EndsWith("% |", row);
        Assert.DoesNotContain(stderr.Split('\n'), l => l.StartsWith('|')); // the table is on stdout only
    }

    private static void RequireBuiltBench()
    {
        try
        {
            BenchLauncher.Locate(AppContext.BaseDirectory, Environment.GetEnvironmentVariable(BenchLauncher.EnvironmentVariable));
        }
        catch (CliUsageException ex)
        {
            Skip.If(true, $"the bench program is not built ({ex.Message}); skipping the real `meridian bench` run");
        }
    }

    // Independent of the bench's own count: total tensor bytes less all but one row of the embedding table.
    private static double CachedSyntheticBytesPerToken(string fileName)
    {
        using var file = GgufFile.Open(Path.Combine(Path.GetTempPath(), "meridian-bench", fileName));
        double total = file.Tensors.Sum(t => (double)t.ByteSize);
        var embedding = file.GetTensor("token_embd.weight");
        return total - (double)embedding.ByteSize * (embedding.Dimensions[1] - 1) / embedding.Dimensions[1];
    }
}
