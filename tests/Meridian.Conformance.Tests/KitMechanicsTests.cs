// The kit's own arithmetic and bookkeeping: NMSE on a case worked by hand, guard checks, seeds that do not
// depend on which other cases run, and the JSON report's schema.
using System.Text.Json;
using System.Text.RegularExpressions;
using Meridian.Conformance.Checking;
using Meridian.Conformance.Json;
using Meridian.Conformance.Reference;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Conformance.Tests;

public sealed class KitMechanicsTests
{
    [Fact]
    public void ExpectClose_WorkedExample_ComputesNmse()
    {
        using var device = new ReferenceDevice();
        using var stream = device.CreateStream();
        using var c = new CaseContext(stream, 0);
        // reference (3, 4): Σr² = 25; actual (3, 4.5): Σ(a−r)² = 0.25; NMSE = 0.01.
        c.ExpectClose("y", [3f, 4.5f], [3f, 4f], 2, bound: 0.02);
        Assert.Empty(c.Failures);
        Assert.Equal(0.01, c.WorstNmse!.Value, 12);
        c.ExpectClose("y", [3f, 4.5f], [3f, 4f], 2, bound: 0.005);
        Assert.Equal("y: NMSE 0.01 > 0.005; largest difference at [0, 1]: 4.5 vs reference 4", Assert.Single(c.Failures));
    }

    [Fact]
    public void ExpectClose_InfinityWhereTheReferenceIsFinite_Fails()
    {
        using var device = new ReferenceDevice();
        using var stream = device.CreateStream();
        using var c = new CaseContext(stream, 0);
        c.ExpectClose("y", [1f, float.PositiveInfinity], [1f, 2f], 1, bound: 1);
        Assert.Equal("y: Infinity at [1] (reference 2)", Assert.Single(c.Failures));
    }

    [Fact]
    public void Guards_AByteWrittenBeforeTheTensor_IsReported()
    {
        using var device = new ReferenceDevice();
        using var stream = device.CreateStream();
        using var c = new CaseContext(stream, 0);
        var t = c.InputF32("x", 2, 3, [1, 2, 3, 4, 5, 6]);
        stream.Write([0, 0, 0, 0], t.Tensor with { ByteOffset = t.Tensor.ByteOffset - 4, Rows = 1, Cols = 1 });
        c.Finish();
        Assert.Equal("wrote 4 bytes before 'x' (guard byte at offset -4 changed)", Assert.Single(c.Failures));
    }

    [Fact]
    public void CaseInputs_DoNotDependOnTheFilter()
    {
        // The same case run alone and in a full run sees the same inputs: its seed comes from its name.
        using var device = new ReferenceDevice();
        var all = ConformanceKit.Run(device, new ConformanceOptions { Ops = new Regex("rope|softmax"), Models = false });
        var one = ConformanceKit.Run(device, new ConformanceOptions { Ops = new Regex("^softmax$"), Models = false });
        Assert.Equal(
            all.Cases.Where(x => x.Op == "softmax").Select(x => x.Shape),
            one.Cases.Select(x => x.Shape));
        Assert.Equal(new OpCase(BackendOp.Rope, DType.F32, "a", _ => { }).Seed(0), new OpCase(BackendOp.Rope, DType.F32, "a", _ => { }).Seed(0));
        Assert.NotEqual(new OpCase(BackendOp.Rope, DType.F32, "a", _ => { }).Seed(0), new OpCase(BackendOp.Rope, DType.F32, "b", _ => { }).Seed(0));
    }

    [Fact]
    public void Json_Report_HasTheDocumentedKeys()
    {
        using var device = new ReferenceDevice();
        var report = ConformanceKit.Run(device, new ConformanceOptions { Ops = new Regex("^(argmax|softmax)$"), Models = false });
        using var doc = JsonDocument.Parse(ConformanceJson.Serialize(report));
        var root = doc.RootElement;
        Assert.Equal("meridian.conformance/1", root.GetProperty("schema").GetString());
        Assert.Equal(BackendContract.Version.ToString(), root.GetProperty("contract").GetString());
        Assert.True(root.GetProperty("passed").GetBoolean());
        Assert.Equal("reference (scalar ReferenceOps)", root.GetProperty("device").GetProperty("name").GetString());
        Assert.Equal("f32", root.GetProperty("device").GetProperty("supports").GetProperty("softmax")[0].GetString());
        var first = root.GetProperty("cases")[0];
        foreach (var key in new[] { "level", "op", "dtype", "shape", "status", "nmse", "bound", "message", "milliseconds" })
            Assert.True(first.TryGetProperty(key, out _), key);
        Assert.Equal("pass", first.GetProperty("status").GetString());
        var cell = root.GetProperty("support").EnumerateArray().First(e => e.GetProperty("op").GetString() == "matmul" && e.GetProperty("dtype").GetString() == "q4_0");
        Assert.Equal("not_run", cell.GetProperty("status").GetString());
        Assert.Equal(report.Summary, ConformanceJson.Deserialize(ConformanceJson.Serialize(report))!.Summary);
    }
}
