using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Webhooks.Stripe;

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
    // the webhook's hot path uses plain SQL: a few statements per event, no query translation

    public static async Task<bool> SeenAsync(Db db, string eventId, CancellationToken ct) =>
        (await db.QueryToListAsync<bool>("SELECT EXISTS (SELECT 1 FROM marketplace.stripe_events WHERE id = @id)", ct, new DataParameter("id", eventId)))[0];

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
        await db.ExecuteAsync(
            """
            INSERT INTO marketplace.stripe_events (id, type, livemode, account, api_version, object_id, event_created_at, received_at, processed_at, outcome, payload)
            SELECT @id, @type, @livemode, @account, @apiVersion, @objectId, @created, @now, CASE WHEN @outcome IS NULL THEN NULL ELSE @now END,
                   coalesce(@outcome, 'no_change'), @payload
              FROM (SELECT CASE WHEN @chargeLock IS NOT NULL THEN pg_advisory_xact_lock(hashtextextended(@chargeLock, 0)) END) AS charge_lock
            ON CONFLICT (id) DO NOTHING
            """,
            ct,
            new DataParameter("id", evt.Id),
            new DataParameter("type", evt.Type),
            new DataParameter("livemode", evt.Livemode),
            new DataParameter("account", evt.Account, DataType.VarChar),
            new DataParameter("apiVersion", evt.ApiVersion is { Length: <= 50 } v ? v : null, DataType.VarChar),
            new DataParameter("objectId", evt.ObjectId is { Length: <= 255 } o ? o : null, DataType.VarChar),
            new DataParameter("created", evt.Created, DataType.DateTimeOffset),
            new DataParameter("now", now, DataType.DateTimeOffset),
            new DataParameter("outcome", finalOutcome, DataType.VarChar),
            new DataParameter("chargeLock", chargeLock, DataType.VarChar),
            new DataParameter("payload", payload, DataType.BinaryJson)) == 1;

    /// <summary>What applying the event did, on its row: written alone, or in the ledger's batch (<see cref="FinishStatement"/>).</summary>
    public static Task<int> FinishAsync(Db db, string eventId, Applied applied, DateTime now, CancellationToken ct)
    {
        var statement = FinishStatement(eventId, applied, now);
        return db.ExecuteAsync(statement.Sql, ct, statement.Parameters);
    }

    public static LedgerStatement FinishStatement(string eventId, Applied applied, DateTime now) => new(
        """
        UPDATE marketplace.stripe_events
           SET outcome = @outcome, detail = @detail, invoice_id = @invoiceId, transaction_id = @transactionId, provider_id = @providerId, processed_at = @processedAt
         WHERE id = @eventId
        """,
        new DataParameter("outcome", applied.Outcome),
        new DataParameter("detail", applied.Detail is { Length: > 1000 } d ? d[..1000] : applied.Detail, DataType.VarChar),
        new DataParameter("invoiceId", applied.InvoiceId, DataType.Int32),
        new DataParameter("transactionId", applied.TransactionId, DataType.Int64),
        new DataParameter("providerId", applied.ProviderId, DataType.Int32),
        new DataParameter("processedAt", now, DataType.DateTimeOffset),
        new DataParameter("eventId", eventId));

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
