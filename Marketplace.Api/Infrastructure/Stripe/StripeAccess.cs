using LinqToDB.Data;
using Stripe;

namespace Marketplace.Api.Infrastructure.Stripe;

/// <summary>
/// The one configured Stripe client (built once). Slices get it through <see cref="ClientAsync"/>,
/// which answers 503 <c>stripe_not_configured</c> when no secret key is set and returns the
/// request's database connection to the pool first (DESIGN round 2: nothing waits on Stripe while
/// holding the database). Calls carry an idempotency key (RequestOptions.IdempotencyKey) and are
/// bounded by <see cref="BoundedStripeCalls"/>: a time budget, a retry budget and a concurrency limit.
/// </summary>
public sealed class StripeAccess
{
    private readonly IStripeClient? client;

    public StripeAccess(MarketplaceOptions options)
    {
        var stripe = options.Stripe;
        if (!string.IsNullOrWhiteSpace(stripe.SecretKey))
        {
            var budget = TimeSpan.FromSeconds(stripe.TimeoutSeconds);
            var http = new BoundedStripeCalls(
                new SystemNetHttpClient(
                    new HttpClient { Timeout = budget },
                    maxNetworkRetries: stripe.MaxNetworkRetries,
                    appInfo: new AppInfo { Name = "marketplace-api" },
                    enableTelemetry: false),
                new SemaphoreSlim(stripe.MaxConcurrentCalls, stripe.MaxConcurrentCalls),
                budget);
            client = new StripeClient(
                apiKey: stripe.SecretKey,
                httpClient: http,
                apiBase: stripe.ApiBase?.TrimEnd('/'),
                connectBase: stripe.ApiBase?.TrimEnd('/'),
                filesBase: stripe.ApiBase?.TrimEnd('/'));
        }
    }

    public bool IsConfigured => client is not null;

    /// <summary>Answers 503 <c>stripe_not_configured</c> without a secret key: called first, before any other work.</summary>
    public void EnsureConfigured() => _ = Configured;

    /// <summary>
    /// The client, once <paramref name="db"/>'s connection is back in the pool. linq2db keeps a
    /// DataConnection's connection open from its first query until it is closed, so without this a
    /// slow Stripe would hold one pooled connection per waiting request and starve every other
    /// endpoint. The next query reopens a connection. A transaction still open here is a bug.
    /// </summary>
    public async Task<IStripeClient> ClientAsync(DataConnection db)
    {
        var configured = Configured;
        if (db.Transaction is not null)
        {
            throw new InvalidOperationException("A Stripe call was made inside a database transaction; call Stripe before or after it.");
        }
        await db.CloseAsync();
        return configured;
    }

    private IStripeClient Configured => client ?? throw new ApiProblem(
        StatusCodes.Status503ServiceUnavailable, "stripe_not_configured", "Payments unavailable",
        "Payments are not configured on this server (Marketplace:Stripe:SecretKey).");
}

/// <summary>
/// Every outbound Stripe call, bounded: at most MaxConcurrentCalls at once (more are refused at
/// once with 503 <c>stripe_unavailable</c>), and TimeoutSeconds for the whole call including
/// Stripe.net's network retries (past it, 504 <c>stripe_unavailable</c>); both with Retry-After.
/// A slow Stripe thus costs a caller a bounded wait and never piles up requests. Stripe
/// unreachable (connection refused, DNS) surfaces as a <see cref="StripeException"/> like any other
/// Stripe failure, so callers answer 502 <c>stripe_error</c> instead of a 500.
/// </summary>
internal sealed class BoundedStripeCalls(IHttpClient inner, SemaphoreSlim slots, TimeSpan budget) : IHttpClient
{
    public Task<StripeResponse> MakeRequestAsync(StripeRequest request, CancellationToken cancellationToken = default) =>
        BoundedAsync(token => inner.MakeRequestAsync(request, token), cancellationToken);

    public Task<StripeStreamedResponse> MakeStreamingRequestAsync(StripeRequest request, CancellationToken cancellationToken = default) =>
        BoundedAsync(token => inner.MakeStreamingRequestAsync(request, token), cancellationToken);

    private async Task<T> BoundedAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken ct)
    {
        if (!slots.Wait(0))
        {
            throw Unavailable(StatusCodes.Status503ServiceUnavailable, "Too many payment requests are waiting on Stripe; try again shortly.");
        }
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(budget);
            try
            {
                return await call(deadline.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw Unavailable(StatusCodes.Status504GatewayTimeout, "Stripe did not answer in time; try again shortly.");
            }
            catch (HttpRequestException ex)
            {
                throw new StripeException(System.Net.HttpStatusCode.BadGateway,
                    new StripeError { Type = "api_connection_error", Message = "Could not reach Stripe." }, "Could not reach Stripe: " + ex.Message);
            }
        }
        finally
        {
            slots.Release();
        }
    }

    private ApiProblem Unavailable(int status, string detail) =>
        new(status, StripeUnavailable, "Payment provider unavailable", detail)
        {
            RetryAfterSeconds = Math.Max(1, (int)Math.Ceiling(budget.TotalSeconds)),
        };

    public const string StripeUnavailable = "stripe_unavailable";
}

internal static class StripeRegistration
{
    public static IServiceCollection AddMarketplaceStripe(this IServiceCollection services) =>
        services.AddSingleton<StripeAccess>();
}
