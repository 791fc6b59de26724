using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Infrastructure.Email;

namespace Marketplace.Api.Payments;

/// <summary>What a refund failure did.</summary>
public enum RefundFailureOutcome
{
    /// <summary>The refund's amount counts as paid again.</summary>
    Reverted,

    /// <summary>This refund was reported failed before: nothing more to do.</summary>
    AlreadyReverted,

    /// <summary>No recorded payment has this charge.</summary>
    Unmatched,
}

/// <summary>A refund Stripe reports failed or canceled (<c>charge.refund.updated</c>, the refund object's fields).</summary>
public sealed record FailedRefund(string RefundId, string? ChargeId, string? PaymentIntentId, long AmountCents, string Status, string? FailureReason, string EventId);

/// <summary>
/// A refund that Stripe later reports <c>failed</c> or <c>canceled</c> gave nothing back: exactly
/// that refund's amount is taken off the invoice's and transaction's refunded figures (and the
/// platform fee's refunded part recomputed), the provider's counters take it back, a booking that
/// was <c>refunded</c> in full returns to the status it had before, and the invoice is flagged
/// (<c>refund_failed_at</c>). The provider and the operators are mailed. One row per refund in
/// <c>refund_failures</c> makes this happen once, whatever event reports it and however often.
/// <para>The retry path: the provider refunds again (POST /transactions/{id}/refund, idempotent by
/// its Idempotency-Key); the invoice's <c>refund_attempt</c> is part of the Stripe idempotency key,
/// so the retry makes a new Stripe refund instead of replaying the failed one.</para>
/// </summary>
public static class RefundFailures
{
    public static readonly string[] FailedStatuses = ["failed", "canceled"];

    /// <summary>Applies the failure inside the caller's database transaction (locks provider, transaction, invoice: <see cref="LockOrder"/>).</summary>
    public static async Task<(RefundFailureOutcome Outcome, LockedBooking? Booking)> RevertAsync(Db db, TimeProvider clock, MarketplaceOptions options,
        FailedRefund refund, CancellationToken ct)
    {
        var b = await Ledger.LockAsync(db, BookingRef.Charge(refund.ChargeId, refund.PaymentIntentId), ct);
        if (b is null || b.PaidCents == 0)
        {
            return (RefundFailureOutcome.Unmatched, b);
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var before = b.RefundedCents;
        // never more than was recorded: a refund that failed before its charge.refunded was applied had nothing recorded to revert
        var reverted = Math.Clamp(refund.AmountCents, 0, before);
        var after = before - reverted;
        var recorded = await Pg.ExecuteAsync(db,
            """
            INSERT INTO marketplace.refund_failures (refund_id, invoice_id, transaction_id, provider_id, amount_cents, reverted_cents, status, failure_reason, event_id, failed_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            ON CONFLICT (refund_id) DO NOTHING
            """,
            ct, Pg.P(refund.RefundId), Pg.P(b.InvoiceId), Pg.P(b.TransactionId), Pg.P(b.ProviderId), Pg.P(refund.AmountCents), Pg.P(reverted),
            Pg.P(refund.Status), Pg.P(refund.FailureReason is { Length: > 100 } r ? r[..100] : refund.FailureReason), Pg.P(refund.EventId), Pg.P(now));
        if (recorded == 0)
        {
            return (RefundFailureOutcome.AlreadyReverted, b);
        }

        var invoiceStatus = b.InvoiceStatus == "refunded" && after < b.PaidCents ? "paid" : b.InvoiceStatus;
        var transactionStatus = b.TransactionStatus == "refunded" && after < b.PaidCents
            ? await StatusBeforeRefundAsync(db, b.TransactionId, ct)
            : b.TransactionStatus;
        var feeRefunded = Money.PlatformFeeRefunded(b.PlatformFeeCents, b.TotalCents, after);
        var payoutDelta = Money.NetPayout(b.TotalCents, b.PlatformFeeCents, after) - Money.NetPayout(b.TotalCents, b.PlatformFeeCents, before);

        var batch = new PgBatch();
        batch.Add(new PgStatement("""
            UPDATE marketplace.invoices
               SET refunded_cents = $1, status = $2, refund_failed_at = $3, refund_failure = $4, refund_attempt = refund_attempt + 1,
                   last_refund_at = NULL, last_refund_cents = NULL
             WHERE id = $5
            """, Pg.P(after), Pg.P(invoiceStatus), Pg.P(now), Pg.P($"{refund.Status}: {refund.FailureReason ?? "unknown"}" is var f && f.Length > 100 ? f[..100] : f), Pg.P(b.InvoiceId)));
        batch.Add(new PgStatement("""
            UPDATE marketplace.transactions
               SET refund_amount_cents = $1, platform_fee_refunded_cents = $2, status = $3, refunded_at = CASE WHEN $1 = 0 THEN NULL ELSE refunded_at END
             WHERE id = $4
            """, Pg.P(after), Pg.P(feeRefunded), Pg.P(transactionStatus), Pg.P(b.TransactionId)));
        batch.Add(new PgStatement("""
            UPDATE marketplace.providers
               SET total_revenue_cents = total_revenue_cents + $1, lifetime_payout_cents = lifetime_payout_cents + $2
             WHERE id = $3
            """, Pg.P(reverted), Pg.P(payoutDelta), Pg.P(b.ProviderId)));
        var details = new { refundId = refund.RefundId, refund.Status, refund.FailureReason, amountCents = refund.AmountCents, revertedCents = reverted, refundedCents = after, eventId = refund.EventId };
        batch.Add(Audit.Insert(
        [
            new AuditEntry("invoice", b.InvoiceId, "refund_failed", b.InvoiceStatus, invoiceStatus, null, "system", details),
            new AuditEntry("transaction", b.TransactionId, "refund_failed", b.TransactionStatus, transactionStatus, null, "system", details),
        ], now));
        batch.Add(Outbox.Insert(PaymentMails.RefundFailed(b.Parties, b, refund.AmountCents, refund.Status, refund.FailureReason, options), now));
        // the invoice as its GET answers it, read after the batch's changes (refundedCents and status back to what they were)
        batch.Add(BatchEvents.Invoice(EventTypes.RefundFailed, b.InvoiceId, now, options.Currency));
        await batch.ExecuteAsync(db, ct);
        if (transactionStatus != b.TransactionStatus)
        {
            // back in a holding status: the booking takes its seat again in the browse filter's free slots (FreeDays)
            var booking = await db.Transactions.FirstAsync(t => t.Id == b.TransactionId, ct);
            await Features.Listings.Availability.FreeDays.RefreshBookingAsync(db, booking, now, ct);
        }
        return (RefundFailureOutcome.Reverted, b);
    }

    /// <summary>The status a refunded transaction had before its (last) full refund, from the audit log; paid when unknown.</summary>
    private static async Task<string> StatusBeforeRefundAsync(Db db, long transactionId, CancellationToken ct) =>
        (await Pg.QueryAsync(db,
            """
            SELECT from_status FROM marketplace.audit_log
             WHERE entity_type = 'transaction' AND entity_id = $1 AND action = 'refunded' AND from_status IN ('paid', 'in_progress', 'completed')
             ORDER BY id DESC LIMIT 1
            """,
            r => r.GetString(0), ct, Pg.P(transactionId))).FirstOrDefault() ?? "paid";

    /// <summary>The client's and the provider's user ids: who sees the booking's events.</summary>
    public static async Task<int[]> PartyIdsAsync(Db db, long transactionId, CancellationToken ct) =>
        [.. (await Pg.QueryAsync(db,
            """
            SELECT t.client_id, p.user_id FROM marketplace.transactions t JOIN marketplace.providers p ON p.id = t.provider_id WHERE t.id = $1
            """,
            r => (r.GetInt32(0), r.GetInt32(1)), ct, Pg.P(transactionId))).SelectMany(x => new[] { x.Item1, x.Item2 })];
}
