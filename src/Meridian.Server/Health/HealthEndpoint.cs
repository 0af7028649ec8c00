// GET /health: 200 {"status":"ok"} while the engine serves, 503 {"status":"error","message":...} once it
// has stopped on an internal error (open without an API key, for load balancers).
using System.Text.Json;
using Meridian.Engine.Serving;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Meridian.Server.Health;

internal static class HealthEndpoint
{
    public static void MapHealth(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/health", context =>
        {
            context.Response.ContentType = "application/json";
            if (context.RequestServices.GetRequiredService<ILlmEngine>().Fault is { } fault)
            {
                context.Response.StatusCode = 503;
                return context.Response.WriteAsync("{\"status\":\"error\",\"message\":" + JsonSerializer.Serialize(fault, HealthJsonContext.Default.String) + "}",
                    context.RequestAborted);
            }
            return context.Response.WriteAsync("{\"status\":\"ok\"}", context.RequestAborted);
        });
}
