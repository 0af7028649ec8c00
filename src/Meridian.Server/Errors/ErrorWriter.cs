// Writes an error response in OpenAI's shape (status, JSON body, Retry-After when given).
using System.Text.Json;

namespace Meridian.Server.Errors;

internal static class ErrorWriter
{
    public static Task WriteAsync(HttpContext context, ApiException error) =>
        WriteAsync(context, error.Status, error.ToDetail(), error.RetryAfterSeconds);

    public static async Task WriteAsync(HttpContext context, int status, ErrorDetail detail, int? retryAfterSeconds = null)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        if (retryAfterSeconds is { } seconds)
            response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await JsonSerializer.SerializeAsync(response.Body, new ErrorBody(detail), ErrorJsonContext.Default.ErrorBody, context.RequestAborted);
    }
}
