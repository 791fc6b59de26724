using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using LinqToDB;
using Marketplace.Api.Data;
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
/// The marketplace's rate limits, counted in PostgreSQL so they hold across every API instance
/// (an in-process limiter gave each instance its own budget: two instances let 40 logins a minute
/// through instead of 20). A limited request costs one statement: an upsert of its fixed one-minute
/// window's counter that returns the new count; past the limit the answer is 429 rate_limited with
/// Retry-After (the seconds left in the window). The client IP comes from X-Forwarded-For only when
/// the direct peer is one of Marketplace:KnownProxies (anyone else could forge the header).
/// Endpoints still declare their policy with ASP.NET Core's <c>RequireRateLimiting(policy)</c>.
/// </summary>
internal static class RateLimiting
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

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
        services.AddSingleton<RateLimitKeys>();
        services.AddHostedService<RateLimitCounterPurger>();
        return services;
    }

    public static WebApplication UseMarketplaceRateLimiting(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.Use(LimitAsync);
        return app;
    }

    // no async state machine for the requests no policy limits (all but the auth endpoints)
    private static Task LimitAsync(HttpContext http, RequestDelegate next) =>
        http.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>() is { PolicyName: RateLimits.Auth }
        && http.RequestServices.GetRequiredService<MarketplaceOptions>().RateLimiting is { Enabled: true } limits
            ? CountThenNextAsync(http, next, limits)
            : next(http);

    private static async Task CountThenNextAsync(HttpContext http, RequestDelegate next, MarketplaceOptions.RateLimitingOptions limits)
    {
        var clock = http.RequestServices.GetRequiredService<TimeProvider>();
        var db = http.RequestServices.GetRequiredService<Db>();
        var key = http.RequestServices.GetRequiredService<RateLimitKeys>().For(RateLimits.Auth, ClientIp(http));
        var retryAfter = await CountAsync(db, clock, key, limits.AuthPerMinute, http.RequestAborted);
        if (retryAfter is { } seconds)
        {
            await WriteRejectionAsync(http, seconds);
            return;
        }
        await next(http);
    }

    /// <summary>
    /// Counts one request of <paramref name="key"/> in the current window; null while within
    /// <paramref name="limit"/>, else the seconds until the window ends.
    /// </summary>
    public static async Task<int?> CountAsync(Db db, TimeProvider clock, byte[] key, int limit, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var windowStart = new DateTime(now.Ticks - now.Ticks % Window.Ticks, DateTimeKind.Utc);
        var counts = await Pg.QueryAsync(db, """
            INSERT INTO marketplace.rate_limit_counters AS c (key, window_start, count) VALUES ($1, $2, 1)
            ON CONFLICT (key, window_start) DO UPDATE SET count = c.count + 1
            RETURNING c.count
            """, r => r.GetInt32(0), ct, Pg.P(key), Pg.P(windowStart));
        if (counts[0] <= limit)
        {
            return null;
        }
        return Math.Max(1, (int)Math.Ceiling((windowStart + Window - now).TotalSeconds));
    }

    /// <summary>The caller's IP as the forwarded-headers middleware resolved it.</summary>
    private static string ClientIp(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    private static Task WriteRejectionAsync(HttpContext http, int seconds)
    {
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return Errors.WriteProblemAsync(http, StatusCodes.Status429TooManyRequests, "rate_limited", "Too many requests",
            $"Too many requests from this address; retry in {seconds} seconds.");
    }
}

/// <summary>
/// The stored key of a policy and client: an HMAC-SHA256 under a key derived from the signing key,
/// so no client address is stored and the IPv4 space cannot simply be hashed through to find one.
/// </summary>
internal sealed class RateLimitKeys(SigningKey signingKey)
{
    private readonly byte[] hmacKey = HMACSHA256.HashData(signingKey.Key.Key, "marketplace/rate-limits"u8);

    public byte[] For(string policy, string partition) => HMACSHA256.HashData(hmacKey, Encoding.UTF8.GetBytes($"{policy}\n{partition}"));
}

/// <summary>
/// Deletes rate-limit windows that ended more than a minute ago, every minute. Several API
/// instances may run it at once: each batch skips rows another instance is deleting (SKIP LOCKED),
/// and deleting what is past is harmless to repeat.
/// </summary>
internal sealed class RateLimitCounterPurger(DataOptions<Db> dataOptions, TimeProvider clock, ILogger<RateLimitCounterPurger> logger)
    : PeriodicJob(clock, logger)
{
    private const int BatchSize = 5000;

    protected override string Name => "rate_limit_counter_purge";

    protected override TimeSpan Interval { get; } = TimeSpan.FromMinutes(1);

    protected override Task RunOnceAsync(CancellationToken ct) => PurgeAsync(ct);

    public async Task<int> PurgeAsync(CancellationToken ct)
    {
        // a window is still read until it ends; keep one more for clocks a little apart
        var cutoff = Clock.GetUtcNow().UtcDateTime - 2 * RateLimiting.Window;
        using var db = new Db(dataOptions);
        var total = 0;
        int deleted;
        do
        {
            deleted = await Pg.ExecuteAsync(db, """
                DELETE FROM marketplace.rate_limit_counters
                 WHERE (key, window_start) IN (SELECT key, window_start FROM marketplace.rate_limit_counters
                                                WHERE window_start < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)
                """, ct, Pg.P(cutoff), Pg.P(BatchSize));
            total += deleted;
        }
        while (deleted == BatchSize && !ct.IsCancellationRequested);
        return total;
    }
}
