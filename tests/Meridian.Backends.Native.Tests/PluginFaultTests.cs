// An op that fails inside a plugin: meridian-test-op-error fails every add with MB_ERR_DEVICE. The failure
// surfaces as a BackendFaultException naming the device, the op and the plugin's own message, the stream stays
// failed (sticky, as the header says) and the rest of the device, and the host, carry on.
using Meridian.Core.Backends;

namespace Meridian.Backends.Native.Tests;

public sealed class PluginFaultTests
{
    [SkippableFact]
    public void OpError_InAStep_ThrowsNamingOpAndMessage_StreamStaysFailed_DeviceGoesOn()
    {
        var device = NativeBackendProvider.Load(TestPlugins.Require("meridian-test-op-error")).Devices[0];
        using var buffer = device.Allocate(4 * sizeof(float), BufferUsage.Scratch);
        var t = DeviceTensor.F32(buffer, 1, 4);
        var stream = device.CreateStream();
        stream.Upload([1f, 2f, 3f, 4f], t);
        stream.BeginStep();
        stream.Softmax(t);
        stream.Add(t, t, t);
        // A synchronous plugin (the reference) reports it from step_submit, a queueing one at the synchronize.
        var e = Assert.Throws<BackendFaultException>(() =>
        {
            stream.SubmitStep();
            stream.Synchronize();
        });
        Assert.Contains("MB_ERR_DEVICE", e.Message);
        Assert.Contains("injected fault: add failed on purpose", e.Message);
        Assert.Contains("reference-c:0", e.Message);
        var after = Assert.Throws<BackendFaultException>(() => stream.Synchronize());
        Assert.Contains("the stream stopped at that error", after.Message);
        stream.Dispose();

        // A fresh stream on the same device runs the ops that work.
        using var fresh = device.CreateStream();
        fresh.Upload([0f, 0f, 0f, 0f], t);
        fresh.Softmax(t);
        var probabilities = new float[4];
        fresh.Download(t, probabilities);
        Assert.All(probabilities, p => Assert.Equal(0.25f, p));
    }
}
