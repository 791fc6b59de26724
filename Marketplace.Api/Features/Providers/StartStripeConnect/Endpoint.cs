using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Infrastructure.Stripe;
using Stripe;

namespace Marketplace.Api.Features.Providers.StartStripeConnect;

public sealed class Endpoint(Db db, StripeAccess stripe, MarketplaceOptions options, TimeProvider clock) : EndpointWithoutRequest<Response>
{
    public override void Configure()
    {
        Post("providers/me/stripe-connect");
        Policies(Infrastructure.Policies.Provider);
        Description(d => d.ProducesProblemDetails(401).ProducesProblemDetails(403).ProducesProblemDetails(409)
            .ProducesProblemDetails(502).ProducesProblemDetails(503).ProducesProblemDetails(504));
        Summary(s =>
        {
            s.Summary = "Start Stripe Connect onboarding";
            s.Description = "Creates the provider's Stripe Express account on the first call (retries and later calls reuse it), "
                + "then answers a fresh account onboarding link { url, expiresAt }. Stripe sends the provider back to "
                + "PublicBaseUrl/provider/stripe-connect/return (or /refresh when the link expired); then call "
                + "GET /providers/me/stripe-connect to read the account's state. 409 not_stripe_connect for manual or offline "
                + "providers; 503 stripe_not_configured without a Stripe key; 502 stripe_error when Stripe fails; 503/504 stripe_unavailable "
                + "(Retry-After) when it is busy or too slow.";
        });
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var caller = HttpContext.CurrentUser();
        stripe.EnsureConfigured();
        var provider = await Data.GetAsync(db, caller.ProviderId!.Value, ct) ?? throw ApiProblem.NotFound("provider");
        if (provider.PaymentMode != "stripe_connect")
        {
            throw ApiProblem.Conflict("not_stripe_connect", $"Your payment mode is {provider.PaymentMode}; Stripe Connect onboarding is for stripe_connect providers.");
        }

        var accountId = provider.StripeConnectAccountId ?? await CreateAccountAsync(provider, caller, ct);

        var link = await new AccountLinkService(await stripe.ClientAsync(db)).CreateAsync(new AccountLinkCreateOptions
        {
            Account = accountId,
            Type = "account_onboarding",
            RefreshUrl = PublicUrl("provider/stripe-connect/refresh"),
            ReturnUrl = PublicUrl("provider/stripe-connect/return"),
        }, cancellationToken: ct);
        await Send.OkAsync(new Response(link.Url, link.ExpiresAt.ToUniversalTime(), accountId), ct);
    }

    /// <summary>
    /// One Express account per provider: the idempotency key is the provider's, so a retry after a
    /// failure between Stripe's answer and our write gets the same account back instead of a second one.
    /// </summary>
    private async Task<string> CreateAccountAsync(Provider provider, CurrentUser caller, CancellationToken ct)
    {
        var account = await new AccountService(await stripe.ClientAsync(db)).CreateAsync(new AccountCreateOptions
        {
            Type = "express",
            Country = provider.Country ?? "US",
            Email = caller.Email,
            Capabilities = new AccountCapabilitiesOptions
            {
                CardPayments = new AccountCapabilitiesCardPaymentsOptions { Requested = true },
                Transfers = new AccountCapabilitiesTransfersOptions { Requested = true },
            },
            Metadata = new Dictionary<string, string> { ["provider_id"] = provider.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        }, new RequestOptions { IdempotencyKey = $"marketplace-provider-{provider.Id}-connect-account" }, ct);

        await using var tx = await db.BeginTransactionAsync(ct);
        if (await Data.StoreAccountAsync(db, provider.Id, account.Id, ct) == 0)
        {
            // a concurrent request stored it first (the same account, thanks to the idempotency key)
            return await Data.GetAccountIdAsync(db, provider.Id, ct) ?? account.Id;
        }
        await Audit.WriteAsync(db, clock, new AuditEntry("provider", provider.Id, "stripe_connect_account_created",
            provider.Status, provider.Status, caller.Id, "provider", new { stripeAccountId = account.Id }), ct);
        await tx.CommitAsync(ct);
        return account.Id;
    }

    private string PublicUrl(string path) => $"{options.PublicBaseUrl.TrimEnd('/')}/{path}";
}
