using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace Marketplace.Api.Infrastructure;

/// <summary>Rate-limiting policy names, for an endpoint's <c>Options(b => b.RequireRateLimiting(...))</c>.</summary>
public static class RateLimits
{
    /// <summary>The anonymous auth endpoints (register, login, forgot-password, resend-verification): per client IP.</summary>
    public const string Auth = "auth";
}

/// <summary>
/// ASP.NET Core's rate limiter with the marketplace's policies, answering 429 problems with
/// Retry-After; and the client IP it partitions by, which comes from X-Forwarded-For only when the
/// direct peer is one of Marketplace:KnownProxies (anyone else could forge the header).
/// </summary>
internal static class RateLimiting
{
    public static IServiceCollection AddMarketplaceRateLimiting(this IServiceCollection services)
    {
        services.AddOptions<ForwardedHeadersOptions>().Configure<MarketplaceOptions>((o, marketplace) =>
        {
            // with both lists empty the middleware would trust every peer, so no proxy configured = no forwarding at all
            o.ForwardedHeaders = marketplace.KnownProxies.Length == 0 ? ForwardedHeaders.None : ForwardedHeaders.XForwardedFor;
            // the defaults trust loopback; only the configured proxies are trusted here
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var proxy in marketplace.KnownProxies)
            {
                o.KnownProxies.Add(IPAddress.Parse(proxy));
            }
        });

        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(RateLimits.Auth, http =>
            {
                var limits = http.RequestServices.GetRequiredService<MarketplaceOptions>().RateLimiting;
                if (!limits.Enabled)
                {
                    return RateLimitPartition.GetNoLimiter("disabled");
                }
                return RateLimitPartition.GetFixedWindowLimiter(ClientIp(http), _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = limits.AuthPerMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            o.OnRejected = WriteRejectionAsync;
        });
        return services;
    }

    public static WebApplication UseMarketplaceRateLimiting(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.UseRateLimiter();
        return app;
    }

    /// <summary>The caller's IP as the forwarded-headers middleware resolved it.</summary>
    private static string ClientIp(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    private static async ValueTask WriteRejectionAsync(OnRejectedContext context, CancellationToken ct)
    {
        var http = context.HttpContext;
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var problem = new ProblemDetails
        {
            Status = StatusCodes.Status429TooManyRequests,
            Title = "Too many requests",
            Detail = $"Too many requests from this address; retry in {seconds} seconds.",
            Instance = http.Request.Path,
        };
        problem.Extensions["code"] = "rate_limited";
        await http.RequestServices.GetRequiredService<IProblemDetailsService>()
            .WriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem });
    }
}
