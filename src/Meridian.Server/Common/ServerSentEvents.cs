// Server-sent events as OpenAI streams them: "data: <json>\n\n" per chunk, flushed at once, then "data: [DONE]\n\n".
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Meridian.Server.Common;

internal static class ServerSentEvents
{
    private static readonly byte[] Prefix = "data: "u8.ToArray();
    private static readonly byte[] Separator = "\n\n"u8.ToArray();
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    /// <summary>Sends the SSE headers (Content-Type text/event-stream, Cache-Control no-cache) and starts the response.</summary>
    public static Task StartAsync(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no"; // keep reverse proxies from holding chunks back
        return response.StartAsync(context.RequestAborted);
    }

    public static async Task WriteAsync<T>(HttpContext context, T chunk, JsonTypeInfo<T> contract)
    {
        var body = context.Response.Body;
        var token = context.RequestAborted;
        await body.WriteAsync(Prefix, token);
        await JsonSerializer.SerializeAsync(body, chunk, contract, token);
        await body.WriteAsync(Separator, token);
        await body.FlushAsync(token);
    }

    /// <summary>An error after the stream started: OpenAI-shaped error object as one event.</summary>
    public static Task WriteErrorAsync(HttpContext context, Errors.ErrorDetail error) =>
        WriteAsync(context, new Errors.ErrorBody(error), Errors.ErrorJsonContext.Default.ErrorBody);

    public static async Task WriteDoneAsync(HttpContext context)
    {
        await context.Response.Body.WriteAsync(Done, context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }
}
