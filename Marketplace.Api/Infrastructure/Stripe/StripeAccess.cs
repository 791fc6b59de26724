using Stripe;

namespace Marketplace.Api.Infrastructure.Stripe;

/// <summary>
/// The one configured Stripe client (built once). Slices call <see cref="Client"/>, which answers
/// 503 <c>stripe_not_configured</c> when no secret key is set. Calls to Stripe happen outside
/// database transactions and carry an idempotency key (RequestOptions.IdempotencyKey).
/// </summary>
public sealed class StripeAccess
{
    private readonly IStripeClient? client;

    public StripeAccess(MarketplaceOptions options)
    {
        var stripe = options.Stripe;
        if (!string.IsNullOrWhiteSpace(stripe.SecretKey))
        {
            var http = new NetworkErrorsAsStripeErrors(new SystemNetHttpClient(
                new HttpClient { Timeout = TimeSpan.FromSeconds(30) },
                maxNetworkRetries: 2,
                appInfo: new AppInfo { Name = "marketplace-api" },
                enableTelemetry: false));
            client = new StripeClient(
                apiKey: stripe.SecretKey,
                httpClient: http,
                apiBase: stripe.ApiBase?.TrimEnd('/'),
                connectBase: stripe.ApiBase?.TrimEnd('/'),
                filesBase: stripe.ApiBase?.TrimEnd('/'));
        }
    }

    public bool IsConfigured => client is not null;

    public IStripeClient Client => client ?? throw new ApiProblem(
        StatusCodes.Status503ServiceUnavailable, "stripe_not_configured", "Payments unavailable",
        "Payments are not configured on this server (Marketplace:Stripe:SecretKey).");
}

/// <summary>
/// Stripe unreachable (connection refused, DNS, timeout after Stripe.net's retries) surfaces as a
/// <see cref="StripeException"/> like any other Stripe failure, so callers answer 502 stripe_error
/// instead of a 500.
/// </summary>
internal sealed class NetworkErrorsAsStripeErrors(IHttpClient inner) : IHttpClient
{
    public async Task<StripeResponse> MakeRequestAsync(StripeRequest request, CancellationToken cancellationToken = default)
    {
        try
        {
            return await inner.MakeRequestAsync(request, cancellationToken);
        }
        catch (Exception ex) when (IsNetworkFailure(ex, cancellationToken))
        {
            throw Unreachable(ex);
        }
    }

    public async Task<StripeStreamedResponse> MakeStreamingRequestAsync(StripeRequest request, CancellationToken cancellationToken = default)
    {
        try
        {
            return await inner.MakeStreamingRequestAsync(request, cancellationToken);
        }
        catch (Exception ex) when (IsNetworkFailure(ex, cancellationToken))
        {
            throw Unreachable(ex);
        }
    }

    private static bool IsNetworkFailure(Exception ex, CancellationToken ct) =>
        ex is HttpRequestException || (ex is OperationCanceledException && !ct.IsCancellationRequested);

    private static StripeException Unreachable(Exception ex) =>
        new(System.Net.HttpStatusCode.BadGateway, new StripeError { Type = "api_connection_error", Message = "Could not reach Stripe." },
            "Could not reach Stripe: " + ex.Message);
}

internal static class StripeRegistration
{
    public static IServiceCollection AddMarketplaceStripe(this IServiceCollection services) =>
        services.AddSingleton<StripeAccess>();
}
