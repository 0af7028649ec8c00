// The one HttpClient `meridian bench serve` shares between all its clients (SocketsHttpHandler, a connection per
// client, no proxy, no client-side timeout: each request has its own), and the model look-up (GET /v1/models).
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Meridian.Cli.Bench.Serve;

internal static class ServeBenchHttp
{
    public static HttpClient Create(ServeBenchOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = options.Clients.Max() + 1, // +1: the models look-up never waits for a client's stream
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(Math.Min(options.TimeoutSeconds, 30)),
        };
        var http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        if (options.ApiKey is { } key)
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }

    /// <summary>The id of the first model GET /v1/models lists; a CliUsageException saying what went wrong otherwise.</summary>
    public static async Task<string> FirstModelAsync(HttpClient http, ServeBenchOptions options, CancellationToken cancel)
    {
        var url = options.Resolve("/v1/models");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(TimeSpan.FromSeconds(options.TimeoutSeconds));
        string body;
        try
        {
            using var response = await http.GetAsync(url, deadline.Token);
            body = await response.Content.ReadAsStringAsync(deadline.Token);
            if (response.StatusCode != HttpStatusCode.OK)
                throw new CliUsageException($"GET {url} returned HTTP {(int)response.StatusCode} {response.ReasonPhrase}: {StreamingRequest.Snippet(body)}; is --url a Meridian/OpenAI server, or pass --model");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || ex is OperationCanceledException && !cancel.IsCancellationRequested)
        {
            string why = ex is OperationCanceledException ? $"no answer within {options.TimeoutSeconds} s" : ex.InnerException?.Message ?? ex.Message;
            throw new CliUsageException($"could not reach {url}: {why}; is the server running (meridian serve)?");
        }

        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("data", out var data)
                && data.ValueKind == JsonValueKind.Array && data.GetArrayLength() > 0
                && data[0].ValueKind == JsonValueKind.Object && data[0].TryGetProperty("id", out var id)
                && id.ValueKind == JsonValueKind.String && id.GetString() is { Length: > 0 } name)
                return name;
            throw new CliUsageException($"GET {url} lists no model (expected {{\"data\": [{{\"id\": ...}}]}}): {StreamingRequest.Snippet(body)}; pass --model");
        }
        catch (JsonException)
        {
            throw new CliUsageException($"GET {url} did not return JSON: {StreamingRequest.Snippet(body)}; pass --model");
        }
    }
}
