using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Infrastructure.Stripe;
using Stripe;

namespace Marketplace.Api.Features.Providers.StripeLoginLink;

public sealed class Endpoint(Db db, StripeAccess stripe) : EndpointWithoutRequest<Response>
{
    public override void Configure()
    {
        Post("providers/me/stripe-connect/login-link");
        Policies(Infrastructure.Policies.Provider);
        Description(d => d.ProducesProblemDetails(401).ProducesProblemDetails(403).ProducesProblemDetails(409)
            .ProducesProblemDetails(502).ProducesProblemDetails(503).ProducesProblemDetails(504));
        Summary(s =>
        {
            s.Summary = "Stripe Express dashboard link";
            s.Description = "A single-use login link into the provider's Stripe Express dashboard. 409 stripe_account_missing "
                + "before onboarding started, 409 onboarding_incomplete until the details are submitted (as last read by "
                + "GET /providers/me/stripe-connect); 503 stripe_not_configured; 502 stripe_error; 503/504 stripe_unavailable (Retry-After).";
        });
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        stripe.EnsureConfigured();
        var provider = await Data.GetAsync(db, HttpContext.CurrentUser().ProviderId!.Value, ct) ?? throw ApiProblem.NotFound("provider");
        if (provider.StripeConnectAccountId is not { } accountId)
        {
            throw ApiProblem.Conflict("stripe_account_missing", "Start Stripe Connect onboarding first (POST /providers/me/stripe-connect).");
        }
        // Stripe only issues Express dashboard links to accounts that finished onboarding
        if (!provider.DetailsSubmitted)
        {
            throw ApiProblem.Conflict("onboarding_incomplete", "Finish Stripe onboarding first; GET /providers/me/stripe-connect refreshes its state.");
        }
        var link = await new AccountLoginLinkService(await stripe.ClientAsync(db)).CreateAsync(accountId, new AccountLoginLinkCreateOptions(), cancellationToken: ct);
        await Send.OkAsync(new Response(link.Url, link.Created.ToUniversalTime()), ct);
    }
}
