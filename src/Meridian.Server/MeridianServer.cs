// Composition of `meridian serve`: Kestrel on Host:Port, the middleware chain (error shapes, request counting,
// API keys) and every endpoint over one ILlmEngine. The server never sees tensors (DESIGN.md).
using System.Net;
using Meridian.Engine.Serving;
using Meridian.Server.ChatCompletions;
using Meridian.Server.Completions;
using Meridian.Server.Errors;
using Meridian.Server.Health;
using Meridian.Server.Hosting;
using Meridian.Server.Metrics;
using Meridian.Server.Models;
using Meridian.Server.Tokenize;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Meridian.Server;

/// <summary>Builds the OpenAI-compatible HTTP server.</summary>
public static class MeridianServer
{
    /// <summary>
    /// A configured, not yet started application: Kestrel on <see cref="ServerOptions.Host"/>:<see cref="ServerOptions.Port"/>
    /// (port 0 = any free port; read <c>app.Urls</c> after <c>StartAsync</c>) with /v1/chat/completions,
    /// /v1/completions, /v1/models, /tokenize, /detokenize, /health and /metrics. Shutdown waits
    /// <see cref="ServerOptions.ShutdownGrace"/> for in-flight requests, then cancels them. The caller owns
    /// <paramref name="engine"/> (the server does not dispose it).
    /// </summary>
    public static WebApplication Build(ILlmEngine engine, ServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = "Meridian.Server",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            kestrel.AddServerHeader = false;
            Listen(kestrel, options.Host, options.Port);
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // A failed start (port in use) is thrown to the caller, which names it in one line; the host's
        // own log of it would repeat it with a stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        // The caller prints where the server listens; the host's start/stop banners would repeat it.
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownGrace);
        builder.Services.AddSingleton(engine);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<ServerMetrics>();
        builder.Services.AddOpenTelemetry().ConfigureResource(resource => resource.AddService("meridian")).WithMetrics(metrics => metrics
            .AddMeter(ServerMetrics.MeterName)
            .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0));

        var app = builder.Build();
        _ = app.Services.GetRequiredService<ServerMetrics>(); // create the instruments (and engine gauges) before the first scrape
        app.UseStatusCodePages(StatusCodeErrors.Write);
        app.UseMiddleware<RequestCountingMiddleware>();
        app.UseMiddleware<ErrorMiddleware>();
        app.UseMiddleware<ApiKeyMiddleware>();
        app.UseRouting();
        app.MapHealth();
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapModels();
        app.MapChatCompletions();
        app.MapCompletions();
        app.MapTokenize();
        return app;
    }

    private static void Listen(Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions kestrel, string host, int port)
    {
        if (host is "*" or "0.0.0.0" or "+")
            kestrel.ListenAnyIP(port);
        else if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            // Kestrel cannot bind "localhost" (both loopbacks) to a dynamic port; IPv4 loopback then.
            if (port == 0)
                kestrel.Listen(IPAddress.Loopback, 0);
            else
                kestrel.ListenLocalhost(port);
        }
        else
            kestrel.Listen(IPAddress.Parse(host), port); // ServerOptions.Validate checked the form
    }
}
