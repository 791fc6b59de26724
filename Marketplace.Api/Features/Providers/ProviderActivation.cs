using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Providers;

/// <summary>What Stripe says about a connected account (GET /v1/accounts/{id} or an account.updated event).</summary>
public sealed record ConnectAccountState(bool ChargesEnabled, bool PayoutsEnabled, bool DetailsSubmitted)
{
    public static ConnectAccountState From(global::Stripe.Account account) =>
        new(account.ChargesEnabled, account.PayoutsEnabled, account.DetailsSubmitted);

    /// <summary>Onboarding is complete when the details are in and the account can take charges and be paid out.</summary>
    public bool OnboardingComplete => DetailsSubmitted && ChargesEnabled && PayoutsEnabled;
}

/// <summary>
/// The one rule that activates a stripe_connect provider: a pending provider becomes active (with
/// activatedAt and an audit row) once its Stripe account can take charges and receive payouts.
/// Used by GET /providers/me/stripe-connect and by the account.updated webhook. Call it inside the
/// caller's database transaction; a provider is never moved backwards (an account that loses a
/// capability only updates the flags).
/// </summary>
public static class ProviderActivation
{
    /// <summary>Whether a provider in this state may be activated by this account state.</summary>
    public static bool CanActivate(string providerStatus, string paymentMode, ConnectAccountState account) =>
        providerStatus == "pending" && paymentMode == "stripe_connect" && account.ChargesEnabled && account.PayoutsEnabled;

    /// <summary>
    /// Stores the account's flags on the provider that owns <paramref name="stripeAccountId"/> and
    /// activates it when the rule allows. Returns true when this call activated the provider.
    /// </summary>
    public static async Task<bool> ApplyAsync(Db db, TimeProvider clock, string stripeAccountId, ConnectAccountState account,
        int? actorUserId, string actorRole, CancellationToken ct)
    {
        var owner = db.Providers.Where(p => p.StripeConnectAccountId == stripeAccountId && p.DeletedAt == null);
        await owner
            .Set(p => p.StripeConnectOnboardingComplete, account.OnboardingComplete)
            .Set(p => p.StripeConnectPayoutsEnabled, account.PayoutsEnabled)
            .Set(p => p.StripeConnectDetailsSubmitted, account.DetailsSubmitted)
            .UpdateAsync(ct);

        if (!account.ChargesEnabled || !account.PayoutsEnabled)
        {
            return false;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var providerId = await owner.Select(p => (int?)p.Id).FirstOrDefaultAsync(ct);
        if (providerId is null)
        {
            return false;
        }
        // the conditional update decides: of two concurrent calls only one moves pending -> active
        var activated = await db.Providers
            .Where(p => p.Id == providerId && p.Status == "pending" && p.PaymentMode == "stripe_connect" && p.DeletedAt == null)
            .Set(p => p.Status, "active")
            .Set(p => p.ActivatedAt, now)
            .UpdateAsync(ct);
        if (activated == 1)
        {
            await Audit.WriteAsync(db, clock, new AuditEntry("provider", providerId.Value, "activated", "pending", "active", actorUserId, actorRole,
                new { stripeAccountId, reason = "charges_and_payouts_enabled" }), ct);
            await ResourceEvents.ProviderAsync(db, clock, EventTypes.ProviderActivated, providerId.Value, ct);
        }
        return activated == 1;
    }
}
