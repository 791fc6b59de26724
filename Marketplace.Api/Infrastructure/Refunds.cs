using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure.Stripe;
using Stripe;

namespace Marketplace.Api.Infrastructure;

/// <summary>
/// Gives money back on a paid invoice, for the refund and cancel slices. A Stripe payment is
/// refunded through Stripe (outside any database transaction, with an idempotency key) reversing
/// the transfer to the provider and the application fee (DESIGN: money rules), then recorded with
/// <see cref="Ledger.ApplyRefundAsync"/> from the charge's cumulative <c>amount_refunded</c>, so the
/// later <c>charge.refunded</c> webhook finds nothing left to do. A manual or offline payment was
/// paid outside the platform, so its refund is only recorded.
/// </summary>
public static class Refunds
{
    public static async Task<RefundOutcome> IssueAsync(Db db, StripeAccess stripe, TimeProvider clock, MarketplaceOptions options,
        long transactionId, long amountCents, string? reason, int actorUserId, string actorRole, CancellationToken ct,
        Func<CancellationToken, Task>? beforeCommit = null)
    {
        var invoice = await db.Invoices.FirstOrDefaultAsync(i => i.TransactionId == transactionId, ct)
            ?? throw ApiProblem.Conflict("not_refundable", "This booking has no paid invoice to refund.");
        var refundable = invoice.PaidCents - invoice.RefundedCents;
        if (invoice.PaidCents == 0 || refundable <= 0)
        {
            throw ApiProblem.Conflict("not_refundable", "Nothing is left to refund on this booking.");
        }
        if (amountCents > refundable)
        {
            throw ApiProblem.Conflict("refund_exceeds_paid", $"At most {refundable} cents can still be refunded on this booking.");
        }

        if (invoice.PaymentMethod != "stripe")
        {
            return await InTransactionAsync(db, () => Ledger.ApplyRefundAsync(db, clock, options, BookingRef.Transaction(transactionId),
                invoice.RefundedCents + amountCents, reason, actorUserId, actorRole, ct, expectedRefundedBefore: invoice.RefundedCents), beforeCommit, ct);
        }

        var refund = await new RefundService(stripe.Client).CreateAsync(new RefundCreateOptions
        {
            Charge = invoice.StripeChargeId,
            PaymentIntent = invoice.StripeChargeId is null ? invoice.StripePaymentIntentId : null,
            Amount = amountCents,
            ReverseTransfer = true,
            RefundApplicationFee = true,
            Metadata = new Dictionary<string, string>
            {
                ["transaction_id"] = transactionId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["invoice_id"] = invoice.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            Expand = ["charge"],
        }, new RequestOptions
        {
            // the same refund of the same state is one refund, however often it is retried
            IdempotencyKey = $"refund-{invoice.Id}-{invoice.RefundedCents}-{amountCents}",
        }, ct);

        var cumulative = refund.Charge?.AmountRefunded ?? invoice.RefundedCents + refund.Amount;
        return await InTransactionAsync(db, () => Ledger.ApplyRefundAsync(db, clock, options, BookingRef.Transaction(transactionId),
            cumulative, reason, actorUserId, actorRole, ct), beforeCommit, ct);
    }

    /// <summary>The ledger change, then the caller's own writes (e.g. its idempotent answer), committed together (retried as one).</summary>
    private static Task<T> InTransactionAsync<T>(Db db, Func<Task<T>> work, Func<CancellationToken, Task>? beforeCommit, CancellationToken ct) =>
        db.InTransactionAsync(async c =>
        {
            var result = await work();
            if (beforeCommit is not null)
            {
                await beforeCommit(c);
            }
            return result;
        }, ct);
}
