using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Payments;

namespace Marketplace.Api.Payments.StripeEvents;

/// <summary>An invoice found by the charge that paid it.</summary>
internal sealed class ChargedInvoice
{
    public int Id { get; set; }
    public long TransactionId { get; set; }
    public string InvoiceNumber { get; set; } = "";
    public string Status { get; set; } = "";
    public long PaidCents { get; set; }
}

internal static class Data
{
    // the webhook's hot path is plain SQL with positional parameters (Pg): a few statements per event, no query translation

    public static async Task<bool> SeenAsync(Db db, string eventId, CancellationToken ct) =>
        (await Pg.QueryAsync(db, "SELECT EXISTS (SELECT 1 FROM marketplace.stripe_events WHERE id = $1)", r => r.GetBoolean(0), ct, Pg.P(eventId)))[0];

    /// <summary>
    /// Records the event first, inside the transaction that applies it: the primary key makes a
    /// concurrent delivery of the same event wait for this one and then find it recorded (false).
    /// An event that needs no work is recorded with its final outcome at once.
    /// <para>The same statement takes the charge's lock (<paramref name="chargeLock"/>) until the end
    /// of the transaction: it serialises the payment and the refund events of one charge, since a
    /// refund applied concurrently with its payment would otherwise find no payment yet while the
    /// payment finds no deferred refund yet, and be lost. The statements that follow see whatever
    /// committed before the lock was granted.</para>
    /// </summary>
    public static async Task<bool> TryRecordAsync(Db db, StripeEvent evt, string payload, DateTime now, string? chargeLock, string? finalOutcome, CancellationToken ct) =>
        await Pg.ExecuteAsync(db,
            """
            INSERT INTO marketplace.stripe_events (id, type, livemode, account, api_version, object_id, event_created_at, received_at, processed_at, outcome, payload)
            SELECT $1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $9::text IS NULL THEN NULL ELSE $8 END, coalesce($9, 'no_change'), $10
              FROM (SELECT CASE WHEN $11::text IS NOT NULL THEN pg_advisory_xact_lock(hashtextextended($11, 0)) END) AS charge_lock
            ON CONFLICT (id) DO NOTHING
            """,
            ct,
            Pg.P(evt.Id), Pg.P(evt.Type), Pg.P(evt.Livemode), Pg.P(evt.Account), Pg.P(evt.ApiVersion is { Length: <= 50 } v ? v : null),
            Pg.P(evt.ObjectId is { Length: <= 255 } o ? o : null), Pg.P(evt.Created), Pg.P(now), Pg.P(finalOutcome), Pg.Jsonb(payload), Pg.P(chargeLock)) == 1;

    /// <summary>What applying the event did, on its row: written alone, or in the ledger's batch (<see cref="FinishStatement"/>).</summary>
    public static Task<int> FinishAsync(Db db, string eventId, Applied applied, DateTime now, CancellationToken ct) =>
        Pg.ExecuteAsync(db, FinishStatement(eventId, applied, now), ct);

    public static PgStatement FinishStatement(string eventId, Applied applied, DateTime now) => new(
        """
        UPDATE marketplace.stripe_events
           SET outcome = $1, detail = $2, invoice_id = $3, transaction_id = $4, provider_id = $5, processed_at = $6
         WHERE id = $7
        """,
        Pg.P(applied.Outcome), Pg.P(applied.Detail is { Length: > 1000 } d ? d[..1000] : applied.Detail), Pg.P(applied.InvoiceId),
        Pg.P(applied.TransactionId), Pg.P(applied.ProviderId), Pg.P(now), Pg.P(eventId));

    /// <summary>The refund events of a charge kept (deferred) until its payment was recorded: applied now, in the refund's batch.</summary>
    public static PgStatement DeferredAppliedStatement(string chargeId, int invoiceId, long transactionId, RefundOutcome outcome, DateTime now) => new(
        """
        UPDATE marketplace.stripe_events
           SET outcome = $1, detail = $2, invoice_id = $3, transaction_id = $4, processed_at = $5
         WHERE object_id = $6 AND type = 'charge.refunded' AND outcome = 'deferred'
        """,
        Pg.P(outcome == RefundOutcome.ExceedsPayment ? Outcomes.AmountMismatch : Outcomes.Applied),
        Pg.P(outcome == RefundOutcome.ExceedsPayment ? "amount_refunded exceeds the payment recorded since" : "applied once the payment was recorded"),
        Pg.P(invoiceId), Pg.P(transactionId), Pg.P(now), Pg.P(chargeId));

    public static Task<InvoiceRow?> InvoiceAsync(Db db, long invoiceId, CancellationToken ct) =>
        invoiceId > int.MaxValue ? Task.FromResult<InvoiceRow?>(null) : db.Invoices.FirstOrDefaultAsync(i => i.Id == (int)invoiceId, ct);

    /// <summary>The invoice paid by this charge (or payment intent), with the figures the refund and dispute handlers need.</summary>
    public static async Task<ChargedInvoice?> InvoiceByChargeAsync(Db db, string? chargeId, string? paymentIntentId, CancellationToken ct) =>
        (await db.QueryToListAsync<ChargedInvoice>(
            """
            SELECT id AS "Id", transaction_id AS "TransactionId", invoice_number AS "InvoiceNumber", status AS "Status", paid_cents AS "PaidCents"
              FROM marketplace.invoices
             WHERE stripe_charge_id = @chargeId OR stripe_payment_intent_id = @paymentIntentId
             LIMIT 1
            """,
            ct,
            new DataParameter("chargeId", chargeId, DataType.VarChar),
            new DataParameter("paymentIntentId", paymentIntentId, DataType.VarChar))).FirstOrDefault();

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
