using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Webhooks.Stripe;

internal static class Data
{
    public static Task<bool> SeenAsync(Db db, string eventId, CancellationToken ct) =>
        db.StripeEvents.AnyAsync(e => e.Id == eventId, ct);

    /// <summary>
    /// Records the event first, inside the transaction that applies it: the primary key makes a
    /// concurrent delivery of the same event wait for this one and then find it recorded (false).
    /// </summary>
    public static async Task<bool> TryRecordAsync(Db db, StripeEvent evt, string payload, DateTime now, CancellationToken ct) =>
        await db.ExecuteAsync(
            """
            INSERT INTO marketplace.stripe_events (id, type, livemode, account, api_version, object_id, event_created_at, received_at, outcome, payload)
            VALUES (@id, @type, @livemode, @account, @apiVersion, @objectId, @created, @now, 'no_change', @payload)
            ON CONFLICT (id) DO NOTHING
            """,
            ct,
            new DataParameter("id", evt.Id),
            new DataParameter("type", evt.Type),
            new DataParameter("livemode", evt.Livemode),
            new DataParameter("account", evt.Account),
            new DataParameter("apiVersion", evt.ApiVersion is { Length: <= 50 } v ? v : null),
            new DataParameter("objectId", evt.ObjectId is { Length: <= 255 } o ? o : null),
            new DataParameter("created", evt.Created, DataType.DateTimeOffset),
            new DataParameter("now", now, DataType.DateTimeOffset),
            new DataParameter("payload", payload, DataType.BinaryJson)) == 1;

    public static Task<int> FinishAsync(Db db, string eventId, Applied applied, DateTime now, CancellationToken ct) =>
        db.StripeEvents
            .Where(e => e.Id == eventId)
            .Set(e => e.Outcome, applied.Outcome)
            .Set(e => e.Detail, applied.Detail is { Length: > 1000 } d ? d[..1000] : applied.Detail)
            .Set(e => e.InvoiceId, applied.InvoiceId)
            .Set(e => e.TransactionId, applied.TransactionId)
            .Set(e => e.ProviderId, applied.ProviderId)
            .Set(e => e.ProcessedAt, now)
            .UpdateAsync(ct);

    public static Task<InvoiceRow?> InvoiceAsync(Db db, long invoiceId, CancellationToken ct) =>
        invoiceId > int.MaxValue ? Task.FromResult<InvoiceRow?>(null) : db.Invoices.FirstOrDefaultAsync(i => i.Id == (int)invoiceId, ct);

    public static Task<InvoiceRow?> InvoiceByChargeAsync(Db db, string? chargeId, string? paymentIntentId, CancellationToken ct) =>
        db.Invoices.FirstOrDefaultAsync(i => (chargeId != null && i.StripeChargeId == chargeId)
                                             || (paymentIntentId != null && i.StripePaymentIntentId == paymentIntentId), ct);

    /// <summary>The largest amount_refunded of charge.refunded events that came before their charge's payment was recorded.</summary>
    public static async Task<long?> DeferredRefundAsync(Db db, string chargeId, CancellationToken ct)
    {
        var amounts = await db.QueryToListAsync<long?>(
            """
            SELECT max((payload -> 'data' -> 'object' ->> 'amount_refunded')::bigint) FROM marketplace.stripe_events
             WHERE object_id = @chargeId AND type = 'charge.refunded' AND outcome = 'deferred'
            """,
            ct, new DataParameter("chargeId", chargeId));
        return amounts.FirstOrDefault();
    }

    public static Task<int> MarkDeferredAppliedAsync(Db db, string chargeId, int invoiceId, long transactionId, DateTime now, CancellationToken ct) =>
        db.StripeEvents
            .Where(e => e.ObjectId == chargeId && e.Type == "charge.refunded" && e.Outcome == Outcomes.Deferred)
            .Set(e => e.Outcome, Outcomes.Applied)
            .Set(e => e.Detail, "applied once the payment was recorded")
            .Set(e => e.InvoiceId, invoiceId)
            .Set(e => e.TransactionId, transactionId)
            .Set(e => e.ProcessedAt, now)
            .UpdateAsync(ct);

    /// <summary>Marks the invoice's session as no longer usable, so the next pay creates a new one.</summary>
    public static Task<int> CloseSessionAsync(Db db, int invoiceId, string sessionId, DateTime at, CancellationToken ct) =>
        db.Invoices
            .Where(i => i.Id == invoiceId && i.StripeCheckoutSessionId == sessionId && i.StripeCheckoutUrl != null)
            .Set(i => i.StripeCheckoutUrl, (string?)null)
            .Set(i => i.StripeCheckoutExpiresAt, at)
            .UpdateAsync(ct);

    public static Task<ProviderRow?> ProviderByAccountAsync(Db db, string accountId, CancellationToken ct) =>
        db.Providers.FirstOrDefaultAsync(p => p.StripeConnectAccountId == accountId, ct);

    /// <summary>An account.updated of the same account, created later than this one, was applied already.</summary>
    public static Task<bool> NewerAccountUpdateAppliedAsync(Db db, string accountId, string eventId, DateTime created, CancellationToken ct) =>
        db.StripeEvents.AnyAsync(e => e.ObjectId == accountId && e.Type == "account.updated" && e.Id != eventId
                                      && e.EventCreatedAt > created && e.Outcome == Outcomes.Applied, ct);
}
