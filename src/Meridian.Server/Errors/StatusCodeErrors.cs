// Gives the framework's own empty-bodied errors (no route -> 404, wrong method -> 405) OpenAI's error shape.
namespace Meridian.Server.Errors;

internal static class StatusCodeErrors
{
    public static Task Write(Microsoft.AspNetCore.Diagnostics.StatusCodeContext status)
    {
        var context = status.HttpContext;
        var request = context.Request;
        int code = context.Response.StatusCode;
        var detail = code switch
        {
            // OpenAI's own wording for an unknown route.
            StatusCodes.Status404NotFound => new ErrorDetail($"Invalid URL ({request.Method} {request.Path})", ErrorTypes.InvalidRequest, null, "not_found"),
            StatusCodes.Status405MethodNotAllowed => new ErrorDetail(
                $"Method {request.Method} is not allowed for {request.Path}; allowed: {context.Response.Headers.Allow}",
                ErrorTypes.InvalidRequest, null, "method_not_allowed"),
            _ => new ErrorDetail($"HTTP {code}", code >= 500 ? ErrorTypes.Server : ErrorTypes.InvalidRequest, null, null),
        };
        return ErrorWriter.WriteAsync(context, code, detail);
    }
}
