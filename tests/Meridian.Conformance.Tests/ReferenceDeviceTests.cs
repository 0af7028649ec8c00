// The kit checks itself: the reference device is made of the very ReferenceOps the kit compares with, so every
// case must pass with NMSE exactly 0. A case that fails here is a bug in the case (its inputs, its expected
// values or its shapes), not in a backend.
using Meridian.Conformance.Reference;
using Meridian.Conformance.Reports;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Conformance.Tests;

public sealed class ReferenceDeviceTests
{
    [Fact]
    public void Kit_OnTheReferenceDevice_PassesWithZeroError()
    {
        using var device = new ReferenceDevice();
        var report = ConformanceKit.Run(device, new ConformanceOptions { Models = false });
        Assert.True(report.Passed, string.Join("\n", report.Cases.Where(c => c.Status == CaseStatus.Fail).Select(c => $"{c}: {c.Message}")));
        Assert.All(report.Cases, c => Assert.Equal(0, c.Nmse));
        Assert.True(report.Cases.Count > 500, $"{report.Cases.Count} cases");
        // Every op of the contract is claimed and checked on at least f32.
        foreach (var op in BackendOps.All)
            Assert.Contains(report.Support, s => s.Op == op.Name() && s.DType == "f32" && s.Status == SupportStatus.Pass);
    }

    [Fact]
    public void MatMul_WrongInputWidth_IsRefusedNamingTheOperand()
    {
        using var device = new ReferenceDevice();
        using var stream = device.CreateStream();
        using var w = device.Allocate(4 * 8 * 16, BufferUsage.Weights);
        using var x = device.Allocate(4 * 2 * 15, BufferUsage.Scratch);
        using var y = device.Allocate(4 * 2 * 8, BufferUsage.Scratch);
        var ex = Assert.Throws<ArgumentException>(() =>
            stream.MatMul(new DeviceTensor(w, 0, DType.F32, 8, 16), DeviceTensor.F32(x, 2, 15), DeviceTensor.F32(y, 2, 8)));
        Assert.Equal("MatMul: x is [2, 15]; the other operands need [2, 16]", ex.Message);
    }

    [Fact]
    public void PagedAttention_BlockOutsideTheCache_IsRefused()
    {
        using var device = new ReferenceDevice();
        using var stream = device.CreateStream();
        using var buffer = device.Allocate(1 << 16, BufferUsage.Scratch);
        var q = DeviceTensor.F32(buffer, 1, 8);
        var cache = DeviceTensor.F32(buffer, 4, 8, 256); // 2 blocks of 2
        var seqs = new DeviceTensor(buffer, 1024, DType.I32, 1, 4);
        var tables = new DeviceTensor(buffer, 2048, DType.I32, 1, 1);
        stream.Upload([0, 1, 0, 0], seqs);
        stream.Upload([2], tables);
        var batch = new PagedAttentionBatch(seqs, tables, 2, 1);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() =>
            stream.PagedAttention(q, cache, cache, batch, AttentionParams.Causal(1, 1, 8), DeviceTensor.F32(buffer, 1, 8, 4096)));
        Assert.Contains("block table of sequence 0[0] = 2 is outside 0..1", ex.Message);
    }
}
