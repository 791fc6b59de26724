using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Infrastructure.Stripe;
using Stripe;

namespace Marketplace.Api.Features.Providers.GetStripeConnect;

public sealed class Endpoint(Db db, StripeAccess stripe, TimeProvider clock) : EndpointWithoutRequest<Response>
{
    public override void Configure()
    {
        Get("providers/me/stripe-connect");
        Policies(Infrastructure.Policies.Provider);
        Description(d => d.ProducesProblemDetails(401).ProducesProblemDetails(403).ProducesProblemDetails(502).ProducesProblemDetails(503).ProducesProblemDetails(504));
        Summary(s =>
        {
            s.Summary = "Stripe Connect onboarding state";
            s.Description = "Re-reads the provider's Stripe account and stores chargesEnabled/payoutsEnabled/detailsSubmitted; "
                + "a pending stripe_connect provider becomes active (activatedAt set) once the account can take charges and "
                + "receive payouts. accountId is null before POST /providers/me/stripe-connect. 503 stripe_not_configured "
                + "without a Stripe key; 502 stripe_error when Stripe fails; 503/504 stripe_unavailable (Retry-After) when it is busy or too slow.";
        });
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var caller = HttpContext.CurrentUser();
        stripe.EnsureConfigured();
        var providerId = caller.ProviderId!.Value;
        var provider = await Data.GetAsync(db, providerId, ct) ?? throw ApiProblem.NotFound("provider");
        if (provider.StripeConnectAccountId is not { } accountId)
        {
            await Send.OkAsync(new Response(null, false, false, false, false, [], null, provider.Status, provider.ActivatedAt), ct);
            return;
        }

        var account = await new AccountService(await stripe.ClientAsync(db)).GetAsync(accountId, cancellationToken: ct);
        var state = ConnectAccountState.From(account);
        await using (var tx = await db.BeginTransactionAsync(ct))
        {
            await ProviderActivation.ApplyAsync(db, clock, accountId, state, caller.Id, "provider", ct);
            await tx.CommitAsync(ct);
        }

        var updated = await Data.GetAsync(db, providerId, ct) ?? throw ApiProblem.NotFound("provider");
        await Send.OkAsync(new Response(accountId, state.ChargesEnabled, state.PayoutsEnabled, state.DetailsSubmitted, state.OnboardingComplete,
            account.Requirements?.CurrentlyDue ?? [], account.Requirements?.DisabledReason, updated.Status, updated.ActivatedAt), ct);
    }
}
