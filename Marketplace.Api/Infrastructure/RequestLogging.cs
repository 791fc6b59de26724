using System.Diagnostics;

namespace Marketplace.Api.Infrastructure;

/// <summary>
/// One line per request: method, path, status and duration. Never the query string, headers or
/// bodies, where tokens, passwords and signatures travel.
/// </summary>
internal static class RequestLogging
{
    public static WebApplication UseMarketplaceRequestLogging(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Marketplace.Requests");
        app.Use(async (http, next) =>
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await next(http);
            }
            finally
            {
                logger.LogInformation("HTTP {Method} {Path} responded {StatusCode} in {ElapsedMs:0.0} ms",
                    http.Request.Method, http.Request.Path.Value, http.Response.StatusCode,
                    Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        });
        return app;
    }
}
