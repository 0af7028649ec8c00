// The real-engine server tests (RealEngineTests: the OpenAI SDK streaming and not, batching, prefix caching,
// disconnects, a full queue, 64 clients) on the reference C plugin, as `meridian serve --device plugin:PATH`
// runs; and a plugin whose op fails answers 503 engine_error, with /health saying so, and the process goes on.
using System.Net;
using System.Text.Json;
using Meridian.Backends.Native;
using Meridian.Core.Backends;
using Meridian.Engine.Serving;
using Meridian.Tests.Shared;

namespace Meridian.Server.Tests;

public sealed class PluginRealEngineTests : RealEngineTests
{
    /// <inheritdoc />
    protected override IDevice OpenDevice() => NativeBackendProvider.Load(TestPlugins.Require()).Devices[0];

    [SkippableFact]
    public async Task PluginOpFails_Request503EngineError_HealthSaysWhy()
    {
        var device = NativeBackendProvider.Load(TestPlugins.Require("meridian-test-op-error")).Devices[0];
        await using var server = await RealServer.StartAsync(device, ClientTimeout, new LlmEngineOptions { ModelName = DemoModel.Name });
        using var response = await server.Host.PostJsonAsync("v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":4}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("engine_error", error.GetProperty("code").GetString());
        Assert.Contains("injected fault: add failed on purpose", error.GetProperty("message").GetString());

        using var health = await server.Host.Client.GetAsync("health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Contains("injected fault", await health.Content.ReadAsStringAsync());
    }
}
