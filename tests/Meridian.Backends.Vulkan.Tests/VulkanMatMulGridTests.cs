// A matmul with more weight rows than one dispatch dimension holds work groups (65,535; a 152k vocabulary's output
// matrix has more): on a GPU (a group per row) the rows spread over a 2-D grid; on lavapipe (64 rows per group) they
// fit one dimension. Either way every row must be computed, against the scalar reference.
using Meridian.Core.Backends;
using Meridian.Core.Ops;
using Meridian.Core.Tensors;

namespace Meridian.Backends.Vulkan.Tests;

public sealed class VulkanMatMulGridTests
{
    [SkippableFact]
    public unsafe void MatMul_MoreRowsThanOneDispatchDimension_EveryRowMatchesTheReference()
    {
        var device = VulkanTestDevice.Require();
        const int n = 70_001, k = 32, t = 2;
        var rng = new Random(5);
        var w = new float[n * k];
        var x = new float[t * k];
        for (int i = 0; i < w.Length; i++) w[i] = (float)(rng.NextDouble() - 0.5);
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() - 0.5);
        var expected = new float[t * n];
        ReferenceOps.MatMulReference(DType.F32, System.Runtime.InteropServices.MemoryMarshal.AsBytes(w.AsSpan()), n, k, x, expected);

        using var wb = device.Allocate((long)w.Length * 4, BufferUsage.Weights);
        using var xb = device.Allocate((long)x.Length * 4, BufferUsage.Scratch);
        using var yb = device.Allocate((long)t * n * 4, BufferUsage.Scratch);
        using var stream = device.CreateStream();
        stream.Upload(w, DeviceTensor.F32(wb, n, k));
        stream.Upload(x, DeviceTensor.F32(xb, t, k));
        stream.MatMul(DeviceTensor.F32(wb, n, k), DeviceTensor.F32(xb, t, k), DeviceTensor.F32(yb, t, n));
        var y = new float[t * n];
        stream.Download(DeviceTensor.F32(yb, t, n), y);
        for (int i = 0; i < y.Length; i++)
            Assert.True(Math.Abs(y[i] - expected[i]) <= 1e-5f, $"y[{i / n}, {i % n}] = {y[i]}, reference {expected[i]}");
    }
}
