// GET /health: 200 {"status":"ok"} while the server runs (open without an API key, for load balancers).
using Microsoft.AspNetCore.Routing;

namespace Meridian.Server.Health;

internal static class HealthEndpoint
{
    public static void MapHealth(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/health", context =>
        {
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync("{\"status\":\"ok\"}", context.RequestAborted);
        });
}
