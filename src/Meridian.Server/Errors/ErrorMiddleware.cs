// Outermost handler of every request: ApiException -> its status and OpenAI error body; Kestrel's
// BadHttpRequestException (body over the limit -> 413, ...) -> its status; a client that went away -> nothing;
// anything else -> 500 with a generic message (logged; no stack trace leaves the server).
using Microsoft.Extensions.Logging;

namespace Meridian.Server.Errors;

internal sealed class ErrorMiddleware(RequestDelegate next, ILogger<ErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client disconnected (or shutdown aborted the connection): there is no one to answer.
        }
        catch (ApiException e) when (!context.Response.HasStarted)
        {
            await ErrorWriter.WriteAsync(context, e);
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            var detail = e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? new ErrorDetail($"The request body is larger than the server's limit of {MaxBody(context)} bytes.",
                    ErrorTypes.InvalidRequest, null, "request_too_large")
                : new ErrorDetail($"Bad request: {e.Message}", ErrorTypes.InvalidRequest, null, null);
            await ErrorWriter.WriteAsync(context, e.StatusCode, detail);
        }
        catch (Exception e)
        {
            logger.LogError(e, "unhandled error in {Method} {Path}", context.Request.Method, context.Request.Path);
            if (context.Response.HasStarted)
                throw; // Kestrel aborts the connection; nothing else can be said mid-response.
            context.Response.Clear();
            await ErrorWriter.WriteAsync(context, StatusCodes.Status500InternalServerError,
                new ErrorDetail("The server had an error while processing your request.", ErrorTypes.Server, null, null));
        }
    }

    private static string MaxBody(HttpContext context) =>
        context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize?.ToString(
            System.Globalization.CultureInfo.InvariantCulture) ?? "?";
}
