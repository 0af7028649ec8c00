// Loading plugins: the reference plugin is accepted and describes itself; plugins built on purpose with a newer
// major version, a NULL function, a table shorter than the version it claims and no entry point, and files
// that are no library at all, are each refused with a message naming the fault, and the host goes on.
using Meridian.Core;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Backends.Native.Tests;

public sealed class PluginLoadTests
{
    [SkippableFact]
    public void Load_ReferencePlugin_NameVersionScoreAndOneCpuDevice()
    {
        var provider = NativeBackendProvider.Load(TestPlugins.Require());
        Assert.Equal("reference-c", provider.Name);
        Assert.Equal(new ContractVersion(1, 0), provider.ContractVersion);
        Assert.Equal(1, provider.Score); // used only when named: below the CPU's 100
        Assert.True(provider.IsAvailable);
        var device = Assert.Single(provider.Devices);
        Assert.Equal("reference (scalar C)", device.Name);
        Assert.Equal(DeviceKind.Cpu, device.Kind);
        Assert.True(device.MemoryBytes > 0 && device.MaxAllocationBytes > 0);
        Assert.True(device.Supports(BackendOp.MatMul, DType.Q4_K));
        Assert.True(device.Supports(BackendOp.PagedAttention, DType.F16));
        Assert.False(device.Supports(BackendOp.PagedAttention, DType.Q8_0));
        Assert.False(device.Supports(BackendOp.Add, DType.F16));
    }

    [SkippableTheory]
    [InlineData("meridian-test-newer-major", "implements backend ABI 2.0, this Meridian speaks 1.0")]
    [InlineData("meridian-test-missing-function", "leaves buffer_read_async NULL")]
    [InlineData("meridian-test-short-table", "claims backend ABI 1.0 but its function table is")]
    [InlineData("meridian-test-no-entry", "does not export meridian_backend_get_api")]
    public void Load_BrokenPlugin_RefusedNamingTheFault(string stem, string expected)
    {
        string path = TestPlugins.Require(stem);
        var e = Assert.Throws<PluginLoadException>(() => NativePlugin.Load(path));
        Assert.Contains(expected, e.Message);
        Assert.Contains(path, e.Message);
        // The host goes on: the good plugin still loads and runs an op after a refused one.
        var device = NativeBackendProvider.Load(TestPlugins.Require()).Devices[0];
        using var stream = device.CreateStream();
        using var buffer = device.Allocate(16, BufferUsage.Scratch);
        var t = DeviceTensor.F32(buffer, 1, 4);
        stream.Upload([1f, 2f, 3f, 4f], t);
        stream.Add(t, t, t);
        var sum = new float[4];
        stream.Download(t, sum);
        Assert.Equal([2f, 4f, 6f, 8f], sum);
    }

    [Fact]
    public void Load_NotALibrary_RefusedNamingTheFile()
    {
        using var dir = new TempDir();
        string path = dir.File(TestPlugins.FileName("meridian-fake"));
        File.WriteAllText(path, "not an ELF file");
        var e = Assert.Throws<PluginLoadException>(() => NativePlugin.Load(path));
        Assert.Contains("is not a loadable shared library", e.Message);
        var missing = Assert.Throws<PluginLoadException>(() => NativePlugin.Load(dir.File("absent.so")));
        Assert.Contains("no such file", missing.Message);
    }

    [SkippableFact]
    public void Registry_PluginPathWithIndex_ResolvesAndReusesTheLoadedPlugin()
    {
        string path = TestPlugins.Require();
        var registry = new BackendRegistry().AddPlugins(folders: []);
        var first = registry.Resolve($"plugin:{path}");
        var again = registry.Resolve($"plugin:{path}:0");
        Assert.Same(first, again);
        var e = Assert.Throws<MeridianException>(() => registry.Resolve($"plugin:{path}:3"));
        Assert.Contains("has 1 device(s)", e.Message);
        var refused = Assert.Throws<PluginLoadException>(() => registry.Resolve($"plugin:{TestPlugins.Require("meridian-test-newer-major")}"));
        Assert.Contains("a different major version is not compatible", refused.Message);
    }

    [SkippableFact]
    public void PluginsFolder_GoodAndBrokenPlugins_GoodRegisteredBrokenSkippedWithReasons()
    {
        using var dir = new TempDir();
        foreach (var stem in new[] { "meridian-reference", "meridian-test-newer-major", "meridian-test-no-entry", "meridian-test-op-error" })
            File.Copy(TestPlugins.Require(stem), dir.File(TestPlugins.FileName(stem)));
        File.WriteAllText(dir.File("README.txt"), "not a plugin name: ignored");
        var registry = new BackendRegistry().AddPlugins(folders: [dir.Path]);

        var plugin = Assert.Single(registry.Providers);
        Assert.Equal("reference-c", plugin.Name);
        Assert.Equal(dir.File(TestPlugins.FileName("meridian-reference")), ((NativeBackendProvider)plugin).Plugin.Path);
        Assert.Equal(3, registry.Skipped.Count);
        Assert.Contains(registry.Skipped, s => s.Source.EndsWith(TestPlugins.FileName("meridian-test-newer-major")) && s.Reason.Contains("ABI 2.0"));
        Assert.Contains(registry.Skipped, s => s.Source.EndsWith(TestPlugins.FileName("meridian-test-no-entry")) && s.Reason.Contains("does not export"));
        // The op-error plugin is a valid plugin with the same name: the first one found keeps the name.
        Assert.Contains(registry.Skipped, s => s.Source.EndsWith(TestPlugins.FileName("meridian-test-op-error")) && s.Reason.Contains("already registered"));
        Assert.Equal("reference (scalar C)", registry.Resolve("reference-c").Name);
    }
}
