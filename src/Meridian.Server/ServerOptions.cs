// User knobs of `meridian serve`: where to listen, who may call, and the limits that protect the server.
namespace Meridian.Server;

/// <summary>Options for <see cref="MeridianServer.Build"/>; <see cref="Validate"/> is the boundary.</summary>
public sealed record ServerOptions
{
    /// <summary>Interface to listen on: an IP address, "localhost", or "*" / "0.0.0.0" for every interface.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>TCP port; 0 = any free port (read the bound one from <c>WebApplication.Urls</c> after start).</summary>
    public int Port { get; init; } = 8080;

    /// <summary>When non-empty, /v1/*, /tokenize and /detokenize need <c>Authorization: Bearer &lt;key&gt;</c> with one of these.</summary>
    public IReadOnlyList<string> ApiKeys { get; init; } = [];

    /// <summary>Largest request body accepted; larger ones get 413.</summary>
    public long MaxRequestBodyBytes { get; init; } = 8L << 20;

    /// <summary>How long shutdown waits for in-flight requests before cancelling them.</summary>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest a generation request may run; null = no limit. A request past it gets 504 (or an error event when streaming).</summary>
    public TimeSpan? RequestTimeout { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option that is out of range.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Host))
            throw Invalid(nameof(Host), "must not be empty");
        if (Host is not ("*" or "+" or "0.0.0.0") && !string.Equals(Host, "localhost", StringComparison.OrdinalIgnoreCase)
            && !System.Net.IPAddress.TryParse(Host, out _))
            throw Invalid(nameof(Host), $"must be an IP address, \"localhost\" or \"*\", got \"{Host}\"");
        if (Port is < 0 or > 65535)
            throw Invalid(nameof(Port), $"must be in [0, 65535] (0 = any free port), got {Port}");
        if (ApiKeys is null)
            throw Invalid(nameof(ApiKeys), "must not be null (use an empty list for no authentication)");
        for (int i = 0; i < ApiKeys.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(ApiKeys[i]))
                throw Invalid(nameof(ApiKeys), $"entry {i} is empty");
        }
        if (MaxRequestBodyBytes < 1)
            throw Invalid(nameof(MaxRequestBodyBytes), $"must be at least 1, got {MaxRequestBodyBytes}");
        if (ShutdownGrace < TimeSpan.Zero)
            throw Invalid(nameof(ShutdownGrace), $"must not be negative, got {ShutdownGrace}");
        if (RequestTimeout is { } timeout && timeout <= TimeSpan.Zero)
            throw Invalid(nameof(RequestTimeout), $"must be positive when set, got {timeout}");
    }

    private static ArgumentException Invalid(string field, string message) => new($"ServerOptions.{field} {message}", field);
}
