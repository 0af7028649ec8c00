// A step that outlives the device's time limit (a hung GPU, or a step too big for a slow device) is a clear error,
// not a hang or a crash: the wait fails naming the limit, every later use of the device fails saying why, and
// disposing the stream, the buffers and the device afterwards does not free memory the device may still be using
// (which crashed the process before: lavapipe went on running the step into freed buffers).
using Meridian.Core.Backends;

namespace Meridian.Backends.Vulkan.Tests;

public sealed class VulkanFaultTests
{
    [SkippableFact]
    public void StepPastTheLimit_FailsClearly_DeviceRefusesLaterWork_DisposeIsSafe()
    {
        VulkanTestDevice.Require();
        var device = VulkanBackendProvider.Open(0, "rows");
        const int n = 2048, k = 2048, t = 16;
        var w = device.Allocate((long)n * k * 4, BufferUsage.Weights);
        var x = device.Allocate((long)t * k * 4, BufferUsage.Scratch);
        var y = device.Allocate((long)t * n * 4, BufferUsage.Scratch);
        var stream = device.CreateStream();
        device.StepLimit = TimeSpan.FromTicks(10); // 1 µs: eight 2048 x 2048 matmuls over 16 tokens outlive it
        var e = Assert.Throws<BackendFaultException>(() =>
        {
            for (int i = 0; i < 8; i++)
                stream.MatMul(DeviceTensor.F32(w, n, k), DeviceTensor.F32(x, t, k), DeviceTensor.F32(y, t, n));
            stream.Download(DeviceTensor.F32(y, t, n), new float[t * n]);
        });
        Assert.Contains("did not finish within", e.Message);
        Assert.Contains("MERIDIAN_VULKAN_STEP_LIMIT_S", e.Message);

        var later = Assert.Throws<BackendFaultException>(() => device.Allocate(1024, BufferUsage.Scratch));
        Assert.Contains("unusable until the process restarts", later.Message);

        stream.Dispose();
        y.Dispose();
        x.Dispose();
        w.Dispose();
        device.Dispose();
    }
}
