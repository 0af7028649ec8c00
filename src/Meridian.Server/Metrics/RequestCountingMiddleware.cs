// Counts every answered request by status code (scrapes of /metrics itself are left out).
namespace Meridian.Server.Metrics;

internal sealed class RequestCountingMiddleware(RequestDelegate next, ServerMetrics metrics)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        finally
        {
            if (!context.Request.Path.StartsWithSegments("/metrics"))
                metrics.RequestAnswered(context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted
                    ? 499 // client closed the request before an answer (nginx's convention)
                    : context.Response.StatusCode);
        }
    }
}
