// Finish reasons and the errors a generation can end with once it was accepted.
using Meridian.Engine.Serving;
using Meridian.Server.Errors;

namespace Meridian.Server.Common;

internal static class Finish
{
    /// <summary>OpenAI's finish_reason for an engine finish (Cancelled never reaches a client as a reason).</summary>
    public static string Reason(FinishReason reason) => reason switch
    {
        FinishReason.Stop => "stop",
        FinishReason.Length => "length",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "a cancelled request has no OpenAI finish_reason"),
    };

    /// <summary>The request ran past ServerOptions.RequestTimeout.</summary>
    public static ApiException Timeout() =>
        new(StatusCodes.Status504GatewayTimeout, "The request took longer than the server's request timeout and was cancelled.",
            ErrorTypes.Timeout, null, "timeout");

    /// <summary>The engine cancelled the request itself (it is shutting down).</summary>
    public static ApiException Cancelled() =>
        new(StatusCodes.Status503ServiceUnavailable, "The request was cancelled before it finished: the server is shutting down.",
            ErrorTypes.Server, null, "cancelled");

    /// <summary>The engine failed (a backend error) and stopped serving; <paramref name="reason"/> is its fault, as /health reports it.</summary>
    public static ApiException Faulted(string reason) =>
        new(StatusCodes.Status503ServiceUnavailable, $"The engine failed and stopped serving: {reason}", ErrorTypes.Server, null, "engine_error");

    /// <summary>Seconds since the Unix epoch (OpenAI "created").</summary>
    public static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>A response id: the prefix plus 24 random hex digits.</summary>
    public static string NewId(string prefix) => prefix + Guid.NewGuid().ToString("N")[..24];

    /// <summary>A log-probability JSON can carry: -inf (and NaN) become -9999, as vLLM writes them.</summary>
    public static float Logprob(float value) => float.IsFinite(value) ? value : -9999f;
}
