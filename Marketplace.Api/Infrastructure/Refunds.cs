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
/// <para>A Stripe refund first claims its invoice (<c>refund_claimed_until</c>, a conditional UPDATE):
/// a second refund of the same invoice while one is in flight, or of an invoice refunded since it was
/// read, answers 409 <c>refund_in_progress</c>, so identical concurrent refunds make exactly one,
/// with or without an Idempotency-Key. The claim is released when the refund is recorded or fails,
/// and lapses after <see cref="ClaimHold"/> if its holder died.</para>
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

        // one Stripe refund of an invoice in flight at a time, claimed in the database (no connection held meanwhile)
        var claim = await ClaimAsync(db, clock, options, invoice, ct);
        var released = false;
        try
        {
            var refund = await new RefundService(await stripe.ClientAsync(db)).CreateAsync(new RefundCreateOptions
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
            return await InTransactionAsync(db, async () =>
            {
                var outcome = await Ledger.ApplyRefundAsync(db, clock, options, BookingRef.Transaction(transactionId),
                    cumulative, reason, actorUserId, actorRole, ct);
                await ReleaseAsync(db, invoice.Id, claim, ct);
                released = true;
                return outcome;
            }, beforeCommit, ct);
        }
        finally
        {
            if (!released)
            {
                // Stripe failed or timed out, or the recording did: the next try may go (Stripe's idempotency key makes a
                // retry of a refund that did happen return that refund)
                await ReleaseAsync(db, invoice.Id, claim, CancellationToken.None);
            }
        }
    }

    /// <summary>
    /// How long a refund claim holds: the longest a Stripe call may take plus a margin for recording
    /// it. A claim older than that belongs to an instance that died mid-refund and is taken over.
    /// </summary>
    public static TimeSpan ClaimHold(MarketplaceOptions options) => TimeSpan.FromSeconds(options.Stripe.TimeoutSeconds) + TimeSpan.FromMinutes(1);

    /// <summary>
    /// Claims the invoice for one refund: only while no other refund holds it and nothing was
    /// refunded since it was read; otherwise 409 refund_in_progress. Returns the claim's deadline,
    /// which is also its owner's token for the release.
    /// </summary>
    private static async Task<DateTime> ClaimAsync(Db db, TimeProvider clock, MarketplaceOptions options, InvoiceRow invoice, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var until = now + ClaimHold(options);
        until = until.AddTicks(-(until.Ticks % 10)); // PostgreSQL keeps microseconds: the stored value must equal the token
        var claimed = await Pg.ExecuteAsync(db,
            """
            UPDATE marketplace.invoices SET refund_claimed_until = $1
             WHERE id = $2 AND refunded_cents = $3 AND (refund_claimed_until IS NULL OR refund_claimed_until < $4)
            """,
            ct, Pg.P(until), Pg.P(invoice.Id), Pg.P(invoice.RefundedCents), Pg.P(now));
        return claimed == 1 ? until : throw new ApiProblem(StatusCodes.Status409Conflict, "refund_in_progress", "Conflict",
            "Another refund of this booking is in progress or was just recorded; reload the booking before refunding again.")
        {
            RetryAfterSeconds = 2,
        };
    }

    private static Task<int> ReleaseAsync(Db db, int invoiceId, DateTime claim, CancellationToken ct) =>
        Pg.ExecuteAsync(db,
            "UPDATE marketplace.invoices SET refund_claimed_until = NULL WHERE id = $1 AND refund_claimed_until = $2",
            ct, Pg.P(invoiceId), Pg.P(claim));

    /// <summary>The ledger change, then the caller's own writes (e.g. its idempotent answer), committed together.</summary>
    private static async Task<T> InTransactionAsync<T>(Db db, Func<Task<T>> work, Func<CancellationToken, Task>? beforeCommit, CancellationToken ct)
    {
        await using var tx = await db.BeginTransactionAsync(ct);
        var result = await work();
        if (beforeCommit is not null)
        {
            await beforeCommit(ct);
        }
        await tx.CommitAsync(ct);
        return result;
    }
}
