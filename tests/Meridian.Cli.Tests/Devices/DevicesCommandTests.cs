// `meridian devices`: every registered backend and device with its contract version, memory and op × dtype
// support (text and --json), and, for a device that lacks pairs the CPU has, what --allow-fallback would run
// on the CPU. The second backend here is a stand-in that claims only f32 ops.
using System.CommandLine;
using System.Text.Json;
using Meridian.Backends.Cpu;
using Meridian.Cli.Devices;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Cli.Tests.Devices;

public class DevicesCommandTests
{
    [Fact]
    public void Devices_Text_ListsTheCpuWithItsSupport()
    {
        var r = CliRunner.Run("devices", "--threads", "2");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal("", r.Stderr);
        Assert.Contains($"Meridian backend contract {BackendContract.Version}", r.Stdout);
        Assert.Contains($"backend cpu: contract {BackendContract.Version}, available, score 100", r.Stdout);
        Assert.Contains("  cpu:0  cpu (2 threads)  kind cpu, memory ", r.Stdout);
        // The CPU's block comes first; the reference backend (Core's scalar ops, score -100) follows it.
        Assert.Contains($"backend reference: contract {BackendContract.Version}, available, score -100", r.Stdout);
        var matmul = r.Stdout.Split('\n').First(l => l.TrimStart().StartsWith("matmul "));
        Assert.Contains(" q4_0 ", matmul);
        Assert.Contains(" q6_K ", matmul);
    }

    [Fact]
    public void Devices_Json_HasEveryOpOfTheContract()
    {
        var r = CliRunner.Run("devices", "--json", "--threads", "2");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        Assert.Equal(BackendContract.Version.ToString(), doc.RootElement.GetProperty("contract").GetString());
        var backends = doc.RootElement.GetProperty("backends").EnumerateArray().ToList();
        Assert.Equal(["cpu", "vulkan", "reference"], backends.Select(b => b.GetProperty("name").GetString()));
        var cpu = backends[0];
        Assert.Equal("cpu", cpu.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, cpu.GetProperty("error").ValueKind);
        var device = Assert.Single(cpu.GetProperty("devices").EnumerateArray());
        Assert.Equal("cpu:0", device.GetProperty("id").GetString());
        Assert.True(device.GetProperty("memory_bytes").GetInt64() > 0);
        var supports = device.GetProperty("supports");
        Assert.Equal(BackendOps.All.Select(o => o.Name()), supports.EnumerateObject().Select(p => p.Name));
        Assert.Contains("f16", supports.GetProperty("paged_attention").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(JsonValueKind.Null, device.GetProperty("fallback_to_cpu").ValueKind);
    }

    [SkippableFact]
    public void Devices_Json_VulkanDeviceHasItsFeaturesLine()
    {
        var vulkan = new Meridian.Backends.Vulkan.VulkanBackendProvider();
        Skip.IfNot(vulkan.IsAvailable, $"no Vulkan device: {vulkan.UnavailableReason}; skipping");
        var r = CliRunner.Run("devices", "--json", "--threads", "2");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        var backends = doc.RootElement.GetProperty("backends").EnumerateArray().ToDictionary(b => b.GetProperty("name").GetString()!);
        var device = backends["vulkan"].GetProperty("devices")[0];
        Assert.Equal("vulkan:0", device.GetProperty("id").GetString());
        Assert.Contains($"subgroup ", device.GetProperty("features").GetString());
        Assert.Contains("Vulkan 1.", device.GetProperty("features").GetString());
        Assert.Equal(JsonValueKind.Null, backends["cpu"].GetProperty("devices")[0].GetProperty("features").ValueKind);
    }

    [Fact]
    public void Devices_SkippedPlugin_ListedWithItsReasonInTextAndJson()
    {
        BackendRegistry Registry(int? _) => new BackendRegistry().Register(new CpuBackendProvider(2))
            .Skip("/opt/plugins/libmeridian-npu.so", "plugin '/opt/plugins/libmeridian-npu.so' implements backend ABI 2.0, this Meridian speaks 1.0");
        foreach (var json in new[] { false, true })
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            var command = DevicesCommand.Create(stdout, stderr, Registry);
            string[] args = json ? ["devices", "--json"] : ["devices"];
            int code = new RootCommand { command }.Parse(args).Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
            Assert.True(code == 0, stderr.ToString());
            if (!json)
            {
                Assert.Contains("skipped plugin /opt/plugins/libmeridian-npu.so: plugin '/opt/plugins/libmeridian-npu.so' implements backend ABI 2.0", stdout.ToString());
                continue;
            }
            using var doc = JsonDocument.Parse(stdout.ToString());
            var skipped = Assert.Single(doc.RootElement.GetProperty("skipped").EnumerateArray());
            Assert.Equal("/opt/plugins/libmeridian-npu.so", skipped.GetProperty("source").GetString());
            Assert.Contains("ABI 2.0", skipped.GetProperty("reason").GetString());
        }
    }

    [Fact]
    public void Devices_SecondBackend_ShowsWhatFallsBackToTheCpu()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var command = DevicesCommand.Create(stdout, stderr, _ => new BackendRegistry().Register(new CpuBackendProvider(2)).Register(new F32OnlyProvider()));
        int code = new RootCommand { command }.Parse(["devices", "--json"]).Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
        Assert.True(code == 0, stderr.ToString());
        using var doc = JsonDocument.Parse(stdout.ToString());
        var gpu = doc.RootElement.GetProperty("backends")[1].GetProperty("devices")[0];
        Assert.Equal("f32only:0", gpu.GetProperty("id").GetString());
        Assert.Equal("gpu", gpu.GetProperty("kind").GetString());
        var fallback = gpu.GetProperty("fallback_to_cpu");
        Assert.Contains("q4_0", fallback.GetProperty("matmul").EnumerateArray().Select(e => e.GetString()));
        Assert.False(fallback.TryGetProperty("rms_norm", out _)); // f32 rms_norm runs on the device itself
    }

    private sealed class F32OnlyProvider : IBackendProvider
    {
        public string Name => "f32only";

        public ContractVersion ContractVersion => BackendContract.Version;

        public bool IsAvailable => true;

        public int Score => 10;

        public IReadOnlyList<IDevice> Devices { get; } = [new F32OnlyDevice()];
    }

    // Only what `devices` asks: identity, memory and Supports.
    private sealed class F32OnlyDevice : IDevice
    {
        public string Name => "f32-only test device";

        public DeviceKind Kind => DeviceKind.Gpu;

        public long MemoryBytes => 1L << 30;

        public long MaxAllocationBytes => 1L << 28;

        public bool Supports(BackendOp op, DType type) => type == DType.F32;

        public IDeviceBuffer Allocate(long bytes, BufferUsage usage) => throw new NotSupportedException();

        public IDeviceBuffer LoadWeights(WeightData weight, WeightUse use, IProgress<long>? progress = null) => throw new NotSupportedException();

        public IComputeStream CreateStream() => throw new NotSupportedException();

        public void Dispose()
        {
        }
    }
}
