using System.Globalization;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Infrastructure.Stripe;
using Stripe;
using EventTypes = Marketplace.Api.Features.Integrations.Events.EventTypes;

namespace Marketplace.Api.Payments;

/// <summary>
/// Takes a lost dispute back from the provider's transfer (Stripe: "Reversing transfers",
/// <c>POST /v1/transfers/{id}/reversals</c>). The intent is a <c>transfer_reversals</c> row written in
/// the dispute event's transaction; this runs after that commit, never inside a transaction: a
/// conditional UPDATE claims the row (so of 8 parallel deliveries, the one that recorded the event
/// performs it, and a sweep never runs it twice at once), the amount is fixed on the row before the
/// first call (the disputed amount, at most what is left of the transfer), and the idempotency key
/// <c>dispute-reversal-{dispute id}</c> makes a retry after a crash the same reversal. A failed call
/// leaves the row pending with its error; the next sweep (the reconciliation job) tries again.
/// </summary>
public static class TransferReversals
{
    private static readonly TimeSpan ClaimHold = TimeSpan.FromMinutes(2);

    private sealed record Claimed(long Id, string DisputeId, string ChargeId, int InvoiceId, long TransactionId, int ProviderId, long DisputedCents, long? AmountCents, string? TransferId);

    /// <summary>Performs the pending reversal of this dispute, or (null) up to <paramref name="limit"/> pending ones. Returns how many were reversed.</summary>
    public static async Task<int> PerformPendingAsync(Db db, StripeAccess stripe, MarketplaceOptions options, TimeProvider clock, ILogger logger, string? disputeId, CancellationToken ct, int limit = 20)
    {
        if (!stripe.IsConfigured)
        {
            return 0;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var claimed = await Pg.QueryAsync(db,
            """
            UPDATE marketplace.transfer_reversals r SET claimed_until = $1, attempts = attempts + 1
             WHERE r.id IN (SELECT id FROM marketplace.transfer_reversals
                             WHERE status = 'pending' AND ($2::text IS NULL OR dispute_id = $2) AND (claimed_until IS NULL OR claimed_until < $3)
                             ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED)
            RETURNING id, dispute_id, charge_id, invoice_id, transaction_id, provider_id, disputed_cents, amount_cents, stripe_transfer_id
            """,
            r => new Claimed(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetInt32(3), r.GetInt64(4), r.GetInt32(5), r.GetInt64(6), r.Get<long?>(7), r.Get<string>(8)),
            ct, Pg.P(now + ClaimHold), Pg.P(disputeId), Pg.P(now), Pg.P(limit));
        var done = 0;
        foreach (var row in claimed)
        {
            try
            {
                done += await PerformAsync(db, stripe, options, clock, row, ct) ? 1 : 0;
            }
            catch (Exception e) when (e is StripeException or HttpRequestException or TaskCanceledException or ApiProblem)
            {
                logger.LogWarning("Transfer reversal for dispute {DisputeId} failed, left pending: {Error}", row.DisputeId, e.Message);
                await Pg.ExecuteAsync(db, "UPDATE marketplace.transfer_reversals SET claimed_until = NULL, last_error = $1 WHERE id = $2",
                    CancellationToken.None, Pg.P(e.Message.Length > 500 ? e.Message[..500] : e.Message), Pg.P(row.Id));
            }
        }
        return done;
    }

    private static async Task<bool> PerformAsync(Db db, StripeAccess stripe, MarketplaceOptions options, TimeProvider clock, Claimed row, CancellationToken ct)
    {
        var transferId = row.TransferId;
        var amount = row.AmountCents;
        if (transferId is null || amount is null)
        {
            var charge = await new ChargeService(await stripe.ClientAsync(db)).GetAsync(row.ChargeId, new ChargeGetOptions { Expand = ["transfer"] }, null, ct);
            transferId = charge.TransferId ?? charge.Transfer?.Id;
            var left = charge.Transfer is { } t ? t.Amount - t.AmountReversed : 0;
            amount = Math.Min(row.DisputedCents, Math.Max(0, left));
            // fixed before the first call: a retry sends the very same parameters under the same idempotency key
            await Pg.ExecuteAsync(db, "UPDATE marketplace.transfer_reversals SET stripe_transfer_id = $1, amount_cents = $2 WHERE id = $3",
                ct, Pg.P(transferId), Pg.P(amount), Pg.P(row.Id));
        }
        if (transferId is null || amount <= 0)
        {
            await FinishAsync(db, clock, options, row, "nothing_to_reverse", null, 0, ct);
            return false;
        }
        var reversal = await new TransferReversalService(await stripe.ClientAsync(db)).CreateAsync(transferId, new TransferReversalCreateOptions
        {
            Amount = amount,
            Description = $"Lost dispute {row.DisputeId}",
            Metadata = new Dictionary<string, string>
            {
                ["dispute_id"] = row.DisputeId,
                ["invoice_id"] = row.InvoiceId.ToString(CultureInfo.InvariantCulture),
                ["transaction_id"] = row.TransactionId.ToString(CultureInfo.InvariantCulture),
            },
        }, new RequestOptions { IdempotencyKey = $"dispute-reversal-{row.DisputeId}" }, ct);
        await FinishAsync(db, clock, options, row, "reversed", reversal.Id, reversal.Amount, ct);
        return true;
    }

    private static Task FinishAsync(Db db, TimeProvider clock, MarketplaceOptions options, Claimed row, string status, string? reversalId, long amount, CancellationToken ct) =>
        db.InTransactionAsync(async c =>
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var moved = await Pg.ExecuteAsync(db,
                """
                UPDATE marketplace.transfer_reversals SET status = $1, stripe_reversal_id = $2, completed_at = $3, claimed_until = NULL, last_error = NULL
                 WHERE id = $4 AND status = 'pending'
                """, c, Pg.P(status), Pg.P(reversalId), Pg.P(now), Pg.P(row.Id));
            if (moved == 0)
            {
                return 0;
            }
            var facts = new { disputeId = row.DisputeId, transferReversalId = reversalId, amountCents = amount, status, invoiceId = row.InvoiceId };
            await Audit.WriteAsync(db, clock, new AuditEntry("transaction", row.TransactionId, "transfer_reversed", null, null, null, "system", facts), c);
            await ResourceEvents.TransactionAsync(db, clock, options, EventTypes.TransferReversed, row.TransactionId, c);
            return moved;
        }, ct);
}
