using System.Globalization;
using System.Text.Json;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Webhooks.Stripe;

/// <summary>
/// A Stripe event as Stripe posts it (documentation type for the OpenAPI document; the endpoint
/// reads the raw body, verifies Stripe-Signature over it, then parses it as <see cref="Payments.StripeEvents.StripeEvent"/>).
/// </summary>
/// <param name="Id">The event id (evt_...); an event seen before is answered 200 duplicate.</param>
/// <param name="Object">Always "event".</param>
/// <param name="Type">The event type. Handled: see HandledTypes (checkout.session.*, payment_intent.payment_failed, charge.refunded, charge.refund.updated, charge.dispute.*, account.updated, payout.*, transfer.reversed); any other is recorded and answered 200 ignored.</param>
/// <param name="ApiVersion">Stripe API version the event was rendered with.</param>
/// <param name="Created">Unix time (seconds) the event was created.</param>
/// <param name="Livemode">Whether the event comes from live mode.</param>
/// <param name="Account">For Connect events: the connected account (acct_...); absent for the platform's own events.</param>
/// <param name="Data">The object the event is about (a Checkout Session, a charge, a dispute, an account).</param>
[OpenShape]
public sealed record EventEnvelope(
    string Id,
    [OneOf("event")] string Object,
    string Type,
    [property: System.Text.Json.Serialization.JsonPropertyName("api_version")] string? ApiVersion,
    long Created,
    bool Livemode,
    string? Account,
    EventData Data)
{
    /// <summary>The event types the webhook applies (Events.Apply); a test keeps this list and Events.IsHandled equal.</summary>
    public static readonly string[] HandledTypes =
    [
        "checkout.session.completed", "checkout.session.async_payment_succeeded", "checkout.session.async_payment_failed",
        "checkout.session.expired", "payment_intent.payment_failed", "charge.refunded", "charge.dispute.created",
        "charge.dispute.updated", "charge.dispute.closed", "charge.dispute.funds_withdrawn", "charge.dispute.funds_reinstated",
        "charge.refund.updated", "account.updated", "payout.created", "payout.updated", "payout.paid", "payout.failed", "payout.canceled",
        "transfer.reversed",
    ];
}

/// <summary>The <c>data</c> member of a Stripe event.</summary>
/// <param name="Object">The Stripe object the event is about, as Stripe's API renders it.</param>
[OpenShape]
public sealed record EventData(IReadOnlyDictionary<string, JsonElement> Object);

/// <summary>What Stripe is told: the event was received (and whether it had been before).</summary>
/// <param name="Received">Always true: the event was accepted.</param>
/// <param name="Duplicate">True when this event id had been received before (nothing changed).</param>
/// <param name="Outcome">What applying the event did (stripe_events.outcome).</param>
public sealed record Response(bool Received, bool Duplicate, [OneOf("applied", "no_change", "ignored", "unmatched", "deferred", "stale", "amount_mismatch", "currency_mismatch", "duplicate_payment", "paid_after_cancel", "awaiting_payment", "payment_failed", "dispute", "refund_failed")] string Outcome);
