using System.Globalization;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Payments;

/// <summary>A payout as a <c>payout.*</c> event of a connected account carries it.</summary>
public sealed record PayoutReport(string EventType, string EventId, string AccountId, string PayoutId, long AmountCents, string Currency, string Status,
    DateTime? ArrivalDate, string? FailureCode, string? FailureMessage, DateTime Created);

/// <summary>A payout as <c>GET /providers/me/payouts</c> and the payout.* domain events show it.</summary>
/// <param name="Id">Stripe's payout id (po_...)</param>
/// <param name="AmountCents">amount paid out, in the smallest currency unit</param>
/// <param name="Currency">ISO currency, lowercase</param>
/// <param name="Status">pending | in_transit | paid | failed | canceled</param>
/// <param name="ArrivalDate">when the money is (or was) expected in the bank account</param>
/// <param name="FailureCode">Stripe's failure_code of a failed payout</param>
/// <param name="FailureMessage">Stripe's failure_message of a failed payout</param>
/// <param name="CreatedAt">when Stripe created the payout</param>
public sealed record PayoutView(string Id, long AmountCents, string Currency, string Status, DateTime? ArrivalDate, string? FailureCode, string? FailureMessage, DateTime CreatedAt)
{
    public static PayoutView From(PayoutRow p) => new(p.StripePayoutId, p.AmountCents, p.Currency, p.Status, p.ArrivalDate, p.FailureCode, p.FailureMessage, p.StripeCreatedAt);
}

/// <summary>
/// Stripe's payouts of a provider's connected account (events with <c>account</c>): one row per
/// payout, upserted from <c>payout.created</c>, <c>payout.updated</c>, <c>payout.paid</c>,
/// <c>payout.failed</c>, <c>payout.canceled</c>. Events may come late or out of order, so a status
/// only moves forward: pending &lt; in_transit &lt; paid &lt; failed | canceled (a paid payout can still
/// fail a few days later, Stripe: "Payout failures"). Each applied status change writes its domain
/// event (payout.created, payout.paid, payout.failed) and an audit row on the provider.
/// </summary>
public static class Payouts
{
    public static readonly string[] Statuses = ["pending", "in_transit", "paid", "failed", "canceled"];

    private const string Rank = "CASE {0} WHEN 'pending' THEN 0 WHEN 'in_transit' THEN 1 WHEN 'paid' THEN 2 ELSE 3 END";

    /// <summary>Applies the payout inside the event's transaction; null when no provider has the account. Returns whether the row changed.</summary>
    public static async Task<(int? ProviderId, bool Changed)> ApplyAsync(Db db, TimeProvider clock, PayoutReport p, CancellationToken ct)
    {
        if (!Statuses.Contains(p.Status))
        {
            return (null, false);
        }
        var provider = (await Pg.QueryAsync(db,
            "SELECT id, user_id FROM marketplace.providers WHERE stripe_connect_account_id = $1 FOR NO KEY UPDATE",
            r => (Id: r.GetInt32(0), UserId: r.GetInt32(1)), ct, Pg.P(p.AccountId))).FirstOrDefault();
        if (provider == default)
        {
            return (null, false);
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var rows = await Pg.QueryAsync(db,
            $"""
            INSERT INTO marketplace.payouts AS o (provider_id, stripe_payout_id, stripe_account_id, amount_cents, currency, status, arrival_date,
                                                  failure_code, failure_message, stripe_created_at, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
            ON CONFLICT (stripe_payout_id) DO UPDATE
               SET status = excluded.status, arrival_date = excluded.arrival_date, amount_cents = excluded.amount_cents,
                   failure_code = excluded.failure_code, failure_message = excluded.failure_message, updated_at = excluded.updated_at
             WHERE {string.Format(CultureInfo.InvariantCulture, Rank, "excluded.status")} > {string.Format(CultureInfo.InvariantCulture, Rank, "o.status")}
            RETURNING (xmax = 0) AS inserted
            """,
            r => r.GetBoolean(0), ct,
            Pg.P(provider.Id), Pg.P(p.PayoutId), Pg.P(p.AccountId), Pg.P(p.AmountCents), Pg.P(p.Currency.ToLowerInvariant()), Pg.P(p.Status), Pg.P(p.ArrivalDate),
            Pg.P(p.FailureCode is { Length: > 100 } c ? c[..100] : p.FailureCode), Pg.P(p.FailureMessage is { Length: > 500 } m ? m[..500] : p.FailureMessage),
            Pg.P(p.Created), Pg.P(now));
        if (rows.Count == 0)
        {
            return (provider.Id, false);
        }
        var view = new PayoutView(p.PayoutId, p.AmountCents, p.Currency.ToLowerInvariant(), p.Status, p.ArrivalDate, p.FailureCode, p.FailureMessage, p.Created);
        var type = p.Status switch
        {
            "paid" => EventTypes.PayoutPaid,
            "failed" or "canceled" => EventTypes.PayoutFailed,
            _ => rows[0] ? EventTypes.PayoutCreated : EventTypes.PayoutUpdated,
        };
        var batch = new PgBatch();
        batch.Add(Audit.Insert([new AuditEntry("provider", provider.Id, $"payout_{p.Status}", null, null, null, "system",
            new { payoutId = p.PayoutId, p.AmountCents, p.Status, p.FailureCode, eventId = p.EventId })], now));
        // a payout seen first as paid or failed is still announced as created first, so a feed reader sees every payout's start
        var events = new List<DomainEvent>();
        if (rows[0] && type is EventTypes.PayoutPaid or EventTypes.PayoutFailed)
        {
            events.Add(new DomainEvent(EventTypes.PayoutCreated, "payout", p.PayoutId, view, [provider.UserId]));
        }
        events.Add(new DomainEvent(type, "payout", p.PayoutId, view, [provider.UserId]));
        batch.Add(DomainEvents.Insert(events, now));
        await batch.ExecuteAsync(db, ct);
        return (provider.Id, true);
    }
}
