// The composition root's list of backends: the only place that names concrete backends. Every command that
// runs a model (run, chat, serve, bench, conformance) and `meridian devices` resolve --device through it.
using Meridian.Backends.Cpu;
using Meridian.Backends.Native;
using Meridian.Backends.Vulkan;
using Meridian.Conformance.Reference;
using Meridian.Core.Backends;

namespace Meridian.Cli;

internal static class CliBackends
{
    /// <summary>
    /// Every backend this build has, registered (contract versions checked); the CPU uses <paramref name="threads"/>
    /// threads; "vulkan" has every Vulkan device (scored above the CPU only when one is a GPU). "reference" is the contract made of Core's scalar reference ops (slow, never picked by default):
    /// the oracle a vendor can run a model on with --device reference. Then the backend plugins: any named with
    /// --device plugin:PATH, and those in the plugins folders (NativePlugins.DefaultFolders).
    /// </summary>
    public static BackendRegistry Create(int? threads = null) => new BackendRegistry()
        .Register(new CpuBackendProvider(threads))
        .Register(new VulkanBackendProvider())
        .Register(new ReferenceBackendProvider())
        .AddPlugins();
}
