// `meridian run` on a device that lacks an op the model needs (a CPU wrapped to lack matmul on f16, the bundled
// demo model's weight type): refused before loading, naming op and dtype; with --allow-fallback it runs, says
// so on stderr at start-up, and prints what the plain CPU prints.
using System.CommandLine;
using Meridian.Backends.Cpu;
using Meridian.Backends.Cpu.Tests.Fallback;
using Meridian.Cli.Run;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Cli.Tests.Run;

public sealed class RunDevicePlacementTests
{
    private static readonly string[] Greedy = ["--prompt", "And God said", "-n", "12", "--temp", "0", "--threads", "1"];

    [Fact]
    public void Run_DeviceLacksAnOp_RefusedNamingOpAndDtype()
    {
        var (code, _, stderr) = Run(["--device", "restricted", .. Greedy]);
        Assert.Equal(1, code);
        Assert.Contains("does not support matmul on f16", stderr);
        Assert.Contains("--allow-fallback", stderr);
    }

    [Fact]
    public void Run_AllowFallback_SaysSoAtStartUp_AndPrintsThePlainCpuText()
    {
        var (plainCode, plain, _) = Run(["--device", "cpu", .. Greedy]);
        Assert.Equal(0, plainCode);
        var (code, stdout, stderr) = Run(["--device", "restricted", "--allow-fallback", .. Greedy]);
        Assert.True(code == 0, stderr);
        Assert.Contains("meridian: fallback to cpu", stderr);
        Assert.Contains("matmul on f16", stderr);
        Assert.Equal(plain, stdout);
        Assert.NotEqual("\n", stdout);
    }

    private static (int Code, string Stdout, string Stderr) Run(string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var command = RunCommand.Create(stdout, stderr, threads => new BackendRegistry()
            .Register(new CpuBackendProvider(threads))
            .Register(new RestrictedProvider(threads)));
        int code = new RootCommand { command }.Parse(["run", .. args]).Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
        return (code, stdout.ToString(), stderr.ToString());
    }

    // A "GPU" that is a CPU lacking matmul on f16.
    private sealed class RestrictedProvider(int? threads) : IBackendProvider
    {
        public string Name => "restricted";

        public ContractVersion ContractVersion => BackendContract.Version;

        public bool IsAvailable => true;

        public int Score => 10;

        public IReadOnlyList<IDevice> Devices { get; } = [new RestrictedDevice(new CpuDevice(threads), [(BackendOp.MatMul, DType.F16)])];
    }
}
