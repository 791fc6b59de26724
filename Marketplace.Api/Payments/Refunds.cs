using LinqToDB.Async;
using LinqToDB;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure.Stripe;
using Marketplace.Api.Infrastructure;
using Stripe;

namespace Marketplace.Api.Payments;

/// <summary>
/// Gives money back on a paid invoice, for the refund and cancel slices. A Stripe payment is
/// refunded through Stripe (outside any database transaction, with an idempotency key) reversing
/// the transfer to the provider and the application fee (DESIGN: money rules), then recorded with
/// <see cref="Ledger.ApplyRefundAsync"/> from the charge's cumulative <c>amount_refunded</c>, so the
/// later <c>charge.refunded</c> webhook finds nothing left to do. A manual or offline payment was
/// paid outside the platform, so its refund is only recorded.
/// <para>A refund first claims its invoice (<c>refund_claimed_until</c>, a conditional UPDATE): a
/// second refund of the same invoice while one is in flight, or of an invoice refunded since it was
/// read, answers 409 <c>refund_in_progress</c>; so does, for a request without an Idempotency-Key
/// (<c>keyless</c>), the same amount again within <see cref="DuplicateWindow"/> of the last refund (a
/// double submit). Identical concurrent refunds thus make exactly one. The claim is released when
/// the refund is recorded or fails, and lapses after <see cref="ClaimHold"/> if its holder died.</para>
/// </summary>
public static class Refunds
{
    public static async Task<RefundOutcome> IssueAsync(Db db, StripeAccess stripe, TimeProvider clock, MarketplaceOptions options,
        long transactionId, long amountCents, string? reason, int actorUserId, string actorRole, CancellationToken ct,
        Func<CancellationToken, Task>? beforeCommit = null, bool keyless = false)
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

        // one refund of an invoice in flight at a time, claimed in the database (no connection held across Stripe)
        var claim = await ClaimAsync(db, clock, options, invoice, amountCents, keyless, ct);
        var released = false;
        try
        {
            long cumulative;
            long? expectedBefore = null;
            if (invoice.PaymentMethod != "stripe")
            {
                // paid outside the platform: only recorded
                cumulative = invoice.RefundedCents + amountCents;
                expectedBefore = invoice.RefundedCents;
            }
            else
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
                    // the same refund of the same state is one refund, however often it is retried; after a refund failed
                    // (RefundFailures) the attempt number changes the key, so retrying it makes a new refund, not the failed one replayed
                    IdempotencyKey = $"refund-{invoice.Id}-{invoice.RefundedCents}-{amountCents}" + (invoice.RefundAttempt > 0 ? $"-a{invoice.RefundAttempt}" : ""),
                }, ct);
                cumulative = refund.Charge?.AmountRefunded ?? invoice.RefundedCents + refund.Amount;
            }

            var outcome = await InTransactionAsync(db, async () =>
            {
                var applied = await Ledger.ApplyRefundAsync(db, clock, options, BookingRef.Transaction(transactionId),
                    cumulative, reason, actorUserId, actorRole, ct, expectedRefundedBefore: expectedBefore);
                await Pg.ExecuteAsync(db,
                    """
                    UPDATE marketplace.invoices SET refund_claimed_until = NULL, last_refund_at = $1, last_refund_cents = $2
                     WHERE id = $3 AND refund_claimed_until = $4
                    """,
                    ct, Pg.P(clock.GetUtcNow().UtcDateTime), Pg.P(amountCents), Pg.P(invoice.Id), Pg.P(claim));
                return applied;
            }, beforeCommit, ct);
            released = true;
            return outcome;
        }
        finally
        {
            if (!released)
            {
                // Stripe failed or timed out, or the recording did: the next try may go (Stripe's idempotency key makes a
                // retry of a refund that did happen return that refund)
                await Pg.ExecuteAsync(db,
                    "UPDATE marketplace.invoices SET refund_claimed_until = NULL WHERE id = $1 AND refund_claimed_until = $2",
                    CancellationToken.None, Pg.P(invoice.Id), Pg.P(claim));
            }
        }
    }

    /// <summary>
    /// How long a refund claim holds: the longest a Stripe call may take plus a margin for recording
    /// it. A claim older than that belongs to an instance that died mid-refund and is taken over.
    /// </summary>
    public static TimeSpan ClaimHold(MarketplaceOptions options) => TimeSpan.FromSeconds(options.Stripe.TimeoutSeconds) + TimeSpan.FromMinutes(1);

    /// <summary>Without an Idempotency-Key, the same amount refunded again within this time of the last refund is taken for a double submit.</summary>
    public static readonly TimeSpan DuplicateWindow = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Claims the invoice for one refund: only while no other refund holds it, nothing was refunded
    /// since it was read, and (for a <paramref name="keyless"/> request) the same amount was not just
    /// refunded; otherwise 409 refund_in_progress. Returns the claim's deadline, which is also its
    /// owner's token for the release.
    /// </summary>
    private static async Task<DateTime> ClaimAsync(Db db, TimeProvider clock, MarketplaceOptions options, InvoiceRow invoice, long amountCents,
        bool keyless, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var until = now + ClaimHold(options);
        until = until.AddTicks(-(until.Ticks % 10)); // PostgreSQL keeps microseconds: the stored value must equal the token
        var claimed = await Pg.ExecuteAsync(db,
            """
            UPDATE marketplace.invoices SET refund_claimed_until = $1
             WHERE id = $2 AND refunded_cents = $3 AND (refund_claimed_until IS NULL OR refund_claimed_until < $4)
               AND NOT ($5 AND last_refund_at IS NOT NULL AND last_refund_at > $6 AND last_refund_cents = $7)
            """,
            ct, Pg.P(until), Pg.P(invoice.Id), Pg.P(invoice.RefundedCents), Pg.P(now), Pg.P(keyless), Pg.P(now - DuplicateWindow), Pg.P(amountCents));
        return claimed == 1 ? until : throw new ApiProblem(StatusCodes.Status409Conflict, "refund_in_progress", "Conflict",
            "Another refund of this booking is in progress or was just recorded; reload the booking. To refund the same amount again "
            + "within a minute, send an Idempotency-Key.")
        {
            RetryAfterSeconds = 2,
        };
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
