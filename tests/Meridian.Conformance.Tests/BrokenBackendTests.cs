// The kit against test backends broken on purpose (Broken/BrokenDevices.cs, each over the CPU device): every
// one fails it, the failing cases name the broken op, dtype and shape and say what went wrong, and the op run
// beside it in the same kit run still passes (the kit points at the fault, not at everything).
using System.Text.RegularExpressions;
using Meridian.Backends.Cpu;
using Meridian.Conformance.Reports;
using Meridian.Conformance.Tests.Broken;
using Meridian.Core.Backends;

namespace Meridian.Conformance.Tests;

public sealed class BrokenBackendTests : IDisposable
{
    private readonly CpuDevice _cpu = new(threads: 2);

    public void Dispose() => _cpu.Dispose();

    [Fact]
    public void WrongResult_SwiGluSwapped_FailsNamingSwiGlu()
    {
        var report = Run(new SwappedSwiGluDevice(_cpu), "swiglu|add");
        var failed = AssertFailsOnly(report, "swiglu", "f32");
        Assert.All(failed, c => Assert.Contains("NMSE", c.Message));
        Assert.Contains(failed, c => c.Shape == "[7, 1000]");
    }

    [Fact]
    public void WritePastOutput_Add_FailsWithGuardMessage()
    {
        var report = Run(new AddWritesPastEndDevice(_cpu), "add|swiglu");
        var failed = AssertFailsOnly(report, "add", "f32");
        Assert.Equal(4, failed.Count); // every Add case, in place or not
        Assert.All(failed, c => Assert.Contains("wrote past the end of", c.Message));
        Assert.Contains(failed, c => c.Shape == "[61, 257] + [1, 257]");
    }

    [Fact]
    public void NaN_RmsNorm_FailsNamingTheElement()
    {
        var report = Run(new RmsNormNaNDevice(_cpu), "rms_norm|rope");
        var failed = AssertFailsOnly(report, "rms_norm", "f32");
        Assert.Equal(6, failed.Count);
        var wide = Assert.Single(failed, c => c.Shape == "[61, 2048] eps=1e-5");
        Assert.Contains("NaN at [60, 0]", wide.Message);
    }

    [Fact]
    public void ClaimedDtypeComputedWrongly_Iq4NlAsQ4_0_FailsMatMulOnIq4Nl()
    {
        var report = Run(new Iq4NlAsQ4_0Device(_cpu), "matmul", types: [Core.Tensors.DType.IQ4_NL, Core.Tensors.DType.Q4_0]);
        var failed = AssertFailsOnly(report, "matmul", "iq4_nl");
        int total = report.Cases.Count(c => c.DType == "iq4_nl");
        Assert.Equal(total, failed.Count);
        Assert.Contains(failed, c => c.Shape == "N=67 K=288 T=1");
        Assert.All(failed, c => Assert.True(c.Nmse > 0.01, $"{c}: NMSE {c.Nmse}"));
        Assert.Contains(report.Cases, c => c.DType == "q4_0" && c.Status == CaseStatus.Pass);
    }

    [Fact]
    public void UnwrittenOutputRow_GatherRows_FailsAsNaN()
    {
        var report = Run(new GatherSkipsLastRowDevice(_cpu), "gather_rows|softmax");
        var failed = AssertFailsOnly(report, "gather_rows", "f32");
        Assert.Contains(failed, c => c.Shape == "7 of [50, 512]" && c.Message!.Contains("values differ; first at [6, 0]"));
    }

    [Fact]
    public void ChangedInput_ArgMax_FailsNamingTheInput()
    {
        var report = Run(new ArgMaxClobbersInputDevice(_cpu), "argmax|softmax");
        var failed = AssertFailsOnly(report, "argmax", "f32");
        Assert.All(failed, c => Assert.Contains("changed its input 'x'", c.Message));
    }

    [Fact]
    public void SupportsThrows_IsAFailureOfThatPair()
    {
        var report = Run(new SupportsThrowsDevice(_cpu), "softmax");
        var failed = AssertFailsOnly(report, "softmax", "q5_1");
        Assert.Contains("NotImplementedException", Assert.Single(failed).Message);
        Assert.Contains(report.Support, s => s.Op == "softmax" && s.DType == "f32" && s.Status == SupportStatus.Pass);
    }

    private static ConformanceReport Run(IDevice device, string ops, Core.Tensors.DType[]? types = null) =>
        ConformanceKit.Run(device, new ConformanceOptions { Ops = new Regex($"^({ops})$"), Types = types, Models = false });

    // The report fails, every failed case is (op, dtype) with a shape and a message, the matrix cell says fail,
    // and every other case passed.
    private static List<CaseResult> AssertFailsOnly(ConformanceReport report, string op, string dtype)
    {
        Assert.False(report.Passed);
        var failed = report.Cases.Where(c => c.Status == CaseStatus.Fail).ToList();
        Assert.NotEmpty(failed);
        Assert.All(failed, c =>
        {
            Assert.Equal(op, c.Op);
            Assert.Equal(dtype, c.DType);
            Assert.False(string.IsNullOrWhiteSpace(c.Shape));
            Assert.False(string.IsNullOrWhiteSpace(c.Message));
        });
        Assert.Contains(report.Support, s => s.Op == op && s.DType == dtype && s.Status == SupportStatus.Fail);
        Assert.Contains(report.Cases, c => c.Status == CaseStatus.Pass); // the neighbouring op (or dtype) still passes
        return failed;
    }
}
