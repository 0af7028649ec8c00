// What `meridian bench serve` was asked to do, checked before any request is sent.
namespace Meridian.Cli.Bench.Serve;

/// <param name="Url">The server's base URL; requests go to Url + "/v1/completions" etc.</param>
/// <param name="Model">The model name to send; null: the first of GET /v1/models.</param>
/// <param name="Chat">True: POST /v1/chat/completions; false: POST /v1/completions.</param>
/// <param name="DurationSeconds">How long each client count runs: no request starts after it (in-flight ones finish).</param>
/// <param name="Warmup">Untimed requests sent one by one before the first client count.</param>
/// <param name="TimeoutSeconds">A request not finished this long after it was sent counts as failed.</param>
internal sealed record ServeBenchOptions(
    Uri Url, string? ApiKey, string? Model, int[] Clients, double DurationSeconds, int MaxTokens, int PromptWords, bool Chat,
    int Seed, bool Json, int Warmup, double TimeoutSeconds)
{
    /// <summary>"chat" or "completions", as --endpoint takes it and the report prints it.</summary>
    public string Endpoint => Chat ? "chat" : "completions";

    /// <summary>The path requests are posted to.</summary>
    public string EndpointPath => Chat ? "/v1/chat/completions" : "/v1/completions";

    /// <summary><paramref name="path"/> ("/v1/...") under the base URL, whether or not that ends in '/' or in "/v1"
    /// (OpenAI clients' base_url carries the /v1, so a URL copied from one works too).</summary>
    public Uri Resolve(string path)
    {
        string root = Url.AbsoluteUri.TrimEnd('/');
        if (root.EndsWith("/v1", StringComparison.Ordinal))
            root = root[..^3];
        return new(root + path);
    }
}
