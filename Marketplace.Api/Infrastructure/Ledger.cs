using LinqToDB;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure.Email;

namespace Marketplace.Api.Infrastructure;

/// <summary>A payment to record against an invoice (Stripe Checkout, or a manual/offline payment the provider confirms).</summary>
/// <param name="Method">stripe | manual | offline (invoices.payment_method)</param>
public sealed record PaymentReceived(
    string Method,
    long AmountCents,
    string? PaymentIntentId = null,
    string? ChargeId = null,
    long StripeFeesCents = 0,
    string? ManualMethod = null,
    string? ManualReference = null,
    int? ActorUserId = null,
    string ActorRole = "system");

public enum PaymentOutcome
{
    Applied,

    /// <summary>This very payment was recorded before (a re-delivered or overlapping event).</summary>
    AlreadyRecorded,

    /// <summary>The invoice was paid by another payment: a second charge to refund by hand.</summary>
    DuplicatePayment,

    /// <summary>The booking was cancelled (invoice void) before the money arrived.</summary>
    PaidAfterCancel,

    /// <summary>The amount is not the invoice's balance: recorded, never marked paid.</summary>
    AmountMismatch,
}

public enum RefundOutcome
{
    Applied,

    /// <summary>Nothing new: this cumulative amount (or more) was recorded before.</summary>
    NoChange,

    /// <summary>The invoice has no payment yet (refund event before the payment event).</summary>
    NotPaid,
}

/// <summary>
/// Money arriving and leaving, applied to the invoice, the transaction and the provider's counters
/// together, always inside the caller's database transaction (with the audit rows and mails).
/// Both operations lock the transaction and invoice rows first, so concurrent events on one
/// invoice are applied one after the other, and both are idempotent: a payment is recorded once,
/// and a refund is given as the cumulative amount refunded so far (Stripe's charge.amount_refunded),
/// which only ever grows.
/// <para>Provider counters (kept exact here, recomputed from rows by the tests):
/// <c>total_revenue_cents</c> = sum over the provider's paid transactions of (total - refunded);
/// <c>lifetime_payout_cents</c> = sum over the same of <see cref="Money.NetPayout"/> (total - refunded,
/// less the platform fee net of its refunded part).</para>
/// </summary>
public static class Ledger
{
    public static async Task<PaymentOutcome> ApplyPaymentAsync(Db db, TimeProvider clock, MarketplaceOptions options,
        long transactionId, PaymentReceived payment, CancellationToken ct)
    {
        var (transaction, invoice) = await Bookings.LockAsync(db, transactionId, ct);
        if (invoice is null)
        {
            return PaymentOutcome.AmountMismatch;
        }
        if (invoice.Status is "paid" or "refunded")
        {
            return payment.PaymentIntentId is not null && payment.PaymentIntentId == invoice.StripePaymentIntentId
                ? PaymentOutcome.AlreadyRecorded
                : PaymentOutcome.DuplicatePayment;
        }
        if (invoice.Status == "void" || transaction.Status == "cancelled")
        {
            await Audit.WriteAsync(db, clock, new AuditEntry("invoice", invoice.Id, "payment_after_cancel", invoice.Status, invoice.Status,
                payment.ActorUserId, payment.ActorRole, new { payment.AmountCents, payment.PaymentIntentId, payment.ChargeId }), ct);
            var parties = await Bookings.PartiesAsync(db, transactionId, ct);
            await Outbox.EnqueueAsync(db, clock, BookingMails.PaidAfterCancel(parties, invoice, payment.AmountCents, options), ct);
            return PaymentOutcome.PaidAfterCancel;
        }
        if (payment.AmountCents != invoice.BalanceCents)
        {
            await Audit.WriteAsync(db, clock, new AuditEntry("invoice", invoice.Id, "payment_mismatch", invoice.Status, invoice.Status,
                payment.ActorUserId, payment.ActorRole, new { expectedCents = invoice.BalanceCents, receivedCents = payment.AmountCents, payment.PaymentIntentId }), ct);
            return PaymentOutcome.AmountMismatch;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var manual = payment.Method != "stripe";
        await db.Invoices
            .Where(i => i.Id == invoice.Id && Bookings.UnpaidInvoiceStatuses.Contains(i.Status))
            .Set(i => i.Status, "paid")
            .Set(i => i.PaidCents, payment.AmountCents)
            .Set(i => i.BalanceCents, invoice.TotalCents - payment.AmountCents)
            .Set(i => i.PaidAt, now)
            .Set(i => i.PaymentMethod, payment.Method)
            .Set(i => i.StripePaymentIntentId, payment.PaymentIntentId)
            .Set(i => i.StripeChargeId, payment.ChargeId)
            .Set(i => i.StripeCheckoutUrl, (string?)null)
            .Set(i => i.ManualPaymentMarkedAt, manual ? now : null)
            .Set(i => i.ManualPaymentMethod, payment.ManualMethod)
            .Set(i => i.ManualPaymentReference, payment.ManualReference)
            .Set(i => i.ManualPaymentConfirmedBy, manual ? payment.ActorUserId : null)
            .UpdateAsync(ct);
        await db.Transactions
            .Where(t => t.Id == transactionId && t.Status == "invoiced")
            .Set(t => t.Status, "paid")
            .Set(t => t.PaidAt, now)
            .Set(t => t.StripeFeesCents, payment.StripeFeesCents)
            .UpdateAsync(ct);
        await db.Providers
            .Where(p => p.Id == transaction.ProviderId)
            .Set(p => p.TotalRevenueCents, p => p.TotalRevenueCents + transaction.TotalCents)
            .Set(p => p.LifetimePayoutCents, p => p.LifetimePayoutCents + transaction.ProviderPayoutCents)
            .UpdateAsync(ct);

        var details = new { payment.Method, payment.AmountCents, payment.PaymentIntentId, payment.ChargeId, payment.StripeFeesCents, payment.ManualMethod, payment.ManualReference };
        await Audit.WriteAsync(db, clock, new AuditEntry("invoice", invoice.Id, "paid", invoice.Status, "paid", payment.ActorUserId, payment.ActorRole, details), ct);
        await Audit.WriteAsync(db, clock, new AuditEntry("transaction", transactionId, "paid", "invoiced", "paid", payment.ActorUserId, payment.ActorRole, details), ct);

        invoice.Status = "paid";
        invoice.PaidCents = payment.AmountCents;
        var mailParties = await Bookings.PartiesAsync(db, transactionId, ct);
        foreach (var mail in BookingMails.PaymentReceipt(mailParties, invoice, transaction, options))
        {
            await Outbox.EnqueueAsync(db, clock, mail, ct);
        }
        return PaymentOutcome.Applied;
    }

    /// <summary>
    /// Records that <paramref name="cumulativeRefundedCents"/> of the invoice's payment have been
    /// refunded in all. A full refund moves the invoice to <c>refunded</c> and the transaction to
    /// <c>refunded</c> (a cancelled transaction stays cancelled). When
    /// <paramref name="expectedRefundedBefore"/> is given (refunds recorded without Stripe) the
    /// refund only applies on top of exactly that amount: 409 <c>concurrent_change</c> otherwise.
    /// </summary>
    public static async Task<RefundOutcome> ApplyRefundAsync(Db db, TimeProvider clock, MarketplaceOptions options,
        long transactionId, long cumulativeRefundedCents, string? reason, int? actorUserId, string actorRole,
        CancellationToken ct, long? expectedRefundedBefore = null)
    {
        var (transaction, invoice) = await Bookings.LockAsync(db, transactionId, ct);
        if (invoice is null || invoice.PaidCents == 0)
        {
            return RefundOutcome.NotPaid;
        }
        if (expectedRefundedBefore is { } expected && expected != invoice.RefundedCents)
        {
            throw ApiProblem.Conflict("concurrent_change", "Another refund was recorded meanwhile; reload the booking and try again.");
        }
        var before = invoice.RefundedCents;
        var after = Math.Min(cumulativeRefundedCents, invoice.PaidCents);
        if (after <= before)
        {
            return RefundOutcome.NoChange;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var full = after == invoice.PaidCents;
        var feeRefunded = Money.PlatformFeeRefunded(transaction.PlatformFeeCents, transaction.TotalCents, after);
        var invoiceStatus = full && invoice.Status == "paid" ? "refunded" : invoice.Status;
        var transactionStatus = full && transaction.Status is "paid" or "in_progress" or "completed" ? "refunded" : transaction.Status;

        await db.Invoices
            .Where(i => i.Id == invoice.Id)
            .Set(i => i.RefundedCents, after)
            .Set(i => i.RefundedAt, now)
            .Set(i => i.Status, invoiceStatus)
            .UpdateAsync(ct);
        await db.Transactions
            .Where(t => t.Id == transactionId)
            .Set(t => t.RefundAmountCents, after)
            .Set(t => t.PlatformFeeRefundedCents, feeRefunded)
            .Set(t => t.RefundedAt, now)
            .Set(t => t.RefundReason, t => reason ?? t.RefundReason)
            .Set(t => t.RefundRequestedAt, (DateTime?)null)
            .Set(t => t.RefundRequestedCents, (long?)null)
            .Set(t => t.Status, transactionStatus)
            .UpdateAsync(ct);

        var revenueDelta = after - before;
        var payoutDelta = Money.NetPayout(transaction.TotalCents, transaction.PlatformFeeCents, before)
                          - Money.NetPayout(transaction.TotalCents, transaction.PlatformFeeCents, after);
        await db.Providers
            .Where(p => p.Id == transaction.ProviderId)
            .Set(p => p.TotalRevenueCents, p => p.TotalRevenueCents - revenueDelta)
            .Set(p => p.LifetimePayoutCents, p => p.LifetimePayoutCents - payoutDelta)
            .UpdateAsync(ct);

        var details = new { refundedCents = after, amountCents = after - before, platformFeeRefundedCents = feeRefunded, reason };
        await Audit.WriteAsync(db, clock, new AuditEntry("invoice", invoice.Id, full ? "refunded" : "partially_refunded", invoice.Status, invoiceStatus, actorUserId, actorRole, details), ct);
        await Audit.WriteAsync(db, clock, new AuditEntry("transaction", transactionId, full ? "refunded" : "partially_refunded", transaction.Status, transactionStatus, actorUserId, actorRole, details), ct);

        invoice.RefundedCents = after;
        var parties = await Bookings.PartiesAsync(db, transactionId, ct);
        foreach (var mail in BookingMails.Refunded(parties, invoice, after - before, options))
        {
            await Outbox.EnqueueAsync(db, clock, mail, ct);
        }
        return RefundOutcome.Applied;
    }
}
