// A real Kestrel server on 127.0.0.1 (any free port) over a FakeEngine, plus an HttpClient pointed at it.
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;

namespace Meridian.Server.Tests;

internal sealed class TestHost : IAsyncDisposable
{
    private TestHost(WebApplication app, FakeEngine? engine, Uri address, TimeSpan? clientTimeout = null)
    {
        App = app;
        Engine = engine!;
        Address = address;
        Client = new HttpClient { BaseAddress = address, Timeout = clientTimeout ?? TimeSpan.FromSeconds(30) };
    }

    public WebApplication App { get; }

    /// <summary>The scripted engine; null when the host runs over a real engine (<see cref="StartRealAsync"/>).</summary>
    public FakeEngine Engine { get; }

    public Uri Address { get; }

    public HttpClient Client { get; }

    public static async Task<TestHost> StartAsync(FakeEngine? engine = null, ServerOptions? options = null)
    {
        engine ??= new FakeEngine(DemoModel.Info());
        var app = MeridianServer.Build(engine, (options ?? new ServerOptions()) with { Host = "127.0.0.1", Port = 0 });
        await app.StartAsync();
        return new TestHost(app, engine, new Uri(app.Urls.First() + "/"));
    }

    /// <summary>A host over a real engine (the caller owns and disposes it); a slow device may ask for a longer client timeout.</summary>
    public static async Task<TestHost> StartRealAsync(Meridian.Engine.Serving.ILlmEngine engine, ServerOptions? options = null, TimeSpan? clientTimeout = null)
    {
        var app = MeridianServer.Build(engine, (options ?? new ServerOptions()) with { Host = "127.0.0.1", Port = 0 });
        await app.StartAsync();
        return new TestHost(app, null, new Uri(app.Urls.First() + "/"), clientTimeout);
    }

    public Task<HttpResponseMessage> PostJsonAsync(string path, string json, string? apiKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (apiKey is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return Client.SendAsync(request);
    }

    /// <summary>Posts and parses the JSON answer, asserting the status.</summary>
    public async Task<JsonElement> PostForJsonAsync(string path, string json, int expectedStatus = 200)
    {
        using var response = await PostJsonAsync(path, json);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(expectedStatus == (int)response.StatusCode, $"expected {expectedStatus}, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
