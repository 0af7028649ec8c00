// API keys: /v1/*, /tokenize and /detokenize need "Authorization: Bearer <key>"; /health and /metrics stay open.
namespace Meridian.Server.Tests;

public sealed class AuthTests
{
    private const string Body = "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    private static readonly ServerOptions TwoKeys = new() { ApiKeys = ["first-key", "second-much-longer-key"] };

    [SkippableTheory]
    [InlineData(null)]
    [InlineData("wrong")]
    [InlineData("first-ke")]          // a prefix of a real key
    [InlineData("first-keyX")]        // a real key plus more
    public async Task ProtectedRoute_MissingOrWrongKey_Returns401(string? key)
    {
        await using var host = await TestHost.StartAsync(options: TwoKeys);
        using var response = await host.PostJsonAsync("v1/chat/completions", Body, key);
        await ErrorAssert.IsAsync(response, 401, "invalid_request_error", null, "invalid_api_key", "API key");
        Assert.Empty(host.Engine.Submitted);
    }

    [SkippableTheory]
    [InlineData("first-key")]
    [InlineData("second-much-longer-key")]
    public async Task ProtectedRoute_RightKey_Answers(string key)
    {
        await using var host = await TestHost.StartAsync(options: TwoKeys);
        using var response = await host.PostJsonAsync("v1/chat/completions", Body, key);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Single(host.Engine.Submitted);
    }

    [SkippableTheory]
    [InlineData("GET", "v1/models")]
    [InlineData("POST", "v1/completions")]
    [InlineData("POST", "tokenize")]
    [InlineData("POST", "detokenize")]
    [InlineData("POST", "v1/no-such-route")]
    public async Task EveryApiRoute_NoKey_Returns401(string method, string path)
    {
        await using var host = await TestHost.StartAsync(options: TwoKeys);
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
            request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        using var response = await host.Client.SendAsync(request);
        await ErrorAssert.IsAsync(response, 401, "invalid_request_error", null, "invalid_api_key");
    }

    [SkippableTheory]
    [InlineData("health")]
    [InlineData("metrics")]
    public async Task OpenRoute_NoKey_Returns200(string path)
    {
        await using var host = await TestHost.StartAsync(options: TwoKeys);
        using var response = await host.Client.GetAsync(path);
        Assert.Equal(200, (int)response.StatusCode);
    }

    [SkippableFact]
    public async Task NoKeysConfigured_NoHeaderNeeded()
    {
        await using var host = await TestHost.StartAsync();
        using var response = await host.PostJsonAsync("v1/chat/completions", Body);
        Assert.Equal(200, (int)response.StatusCode);
    }
}
