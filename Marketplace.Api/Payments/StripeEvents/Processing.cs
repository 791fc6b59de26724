using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Infrastructure.Stripe;
using Marketplace.Api.Payments;
using Stripe;

namespace Marketplace.Api.Payments.StripeEvents;

/// <summary>What processing an event did: whether it had been recorded before, and its outcome.</summary>
internal sealed record Processed(bool Duplicate, string Outcome);

/// <summary>
/// Records and applies one verified Stripe event: the one path of the webhook and of the
/// reconciliation, so an event has the same effect, exactly once, whichever delivers it first
/// (the event id is the primary key of stripe_events, inserted in the applying transaction).
/// Stripe is asked (a paid session's charge) before the database transaction opens, and a lost
/// dispute's transfer reversal is performed after it commits.
/// </summary>
internal sealed class Processing(Db db, StripeAccess stripe, MarketplaceOptions options, TimeProvider clock, ILogger logger)
{
    public async Task<Processed> ProcessAsync(StripeEvent evt, string payload, CancellationToken ct)
    {
        // Stripe is asked before the database transaction opens, never inside it (and not for an event seen before)
        ChargeDetails? charge = null;
        if (Events.PaymentIntentToFetch(evt) is { } paymentIntentId)
        {
            if (await Data.SeenAsync(db, evt.Id, ct))
            {
                return new Processed(true, Outcomes.NoChange);
            }
            charge = await FetchChargeAsync(paymentIntentId, ct);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (!Events.IsHandled(evt.Type))
        {
            // nothing to apply: recording the event (outcome ignored) is the whole of the work, one statement
            var recorded = await Data.TryRecordAsync(db, evt, payload, now, null, Outcomes.Ignored, ct);
            return new Processed(!recorded, recorded ? Outcomes.Ignored : Outcomes.NoChange);
        }

        // retried as a whole on a deadlock or serialization failure (LockOrder); null: a duplicate delivery
        var applied = await db.InTransactionAsync(async c =>
        {
            if (!await Data.TryRecordAsync(db, evt, payload, now, Events.ChargeLock(evt, charge), null, c))
            {
                return null;
            }
            var result = await new Events(db, clock, options).ApplyAsync(evt, charge, c);
            if (!result.Recorded)
            {
                await Data.FinishAsync(db, evt.Id, result, now, c);
            }
            return result;
        }, ct);
        if (applied is null)
        {
            return new Processed(true, Outcomes.NoChange);
        }

        if (applied.ReversalDisputeId is { } disputeId)
        {
            // the Stripe call after the commit, never inside it; a failure leaves the intent pending for the next sweep
            await TransferReversals.PerformPendingAsync(db, stripe, options, clock, logger, disputeId, ct);
        }
        if (applied.Outcome is Outcomes.AmountMismatch or Outcomes.CurrencyMismatch or Outcomes.DuplicatePayment or Outcomes.PaidAfterCancel
            or Outcomes.Dispute or Outcomes.RefundFailed)
        {
            logger.LogWarning("Stripe event {EventId} ({Type}) flagged {Outcome} on invoice {InvoiceId}", evt.Id, evt.Type, applied.Outcome, applied.InvoiceId);
        }
        return new Processed(false, applied.Outcome);
    }

    /// <summary>The charge of the payment intent, with its balance transaction: the Stripe fee is that transaction's fee.</summary>
    private async Task<ChargeDetails> FetchChargeAsync(string paymentIntentId, CancellationToken ct)
    {
        var intent = await new PaymentIntentService(await stripe.ClientAsync(db)).GetAsync(paymentIntentId,
            new PaymentIntentGetOptions { Expand = ["latest_charge.balance_transaction"] }, null, ct);
        return new ChargeDetails(intent.LatestCharge?.Id ?? intent.LatestChargeId, intent.LatestCharge?.BalanceTransaction?.Fee ?? 0);
    }
}
