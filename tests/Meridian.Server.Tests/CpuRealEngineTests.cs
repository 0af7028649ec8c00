// The real-engine server tests (RealEngineTests) on the CPU backend with two threads.
using Meridian.Backends.Cpu;
using Meridian.Core.Backends;

namespace Meridian.Server.Tests;

public sealed class CpuRealEngineTests : RealEngineTests
{
    /// <inheritdoc />
    protected override IDevice OpenDevice() => new CpuDevice(threads: 2);
}
