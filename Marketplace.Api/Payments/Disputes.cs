using System.Globalization;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Infrastructure.Email;

namespace Marketplace.Api.Payments;

/// <summary>A <c>charge.dispute.*</c> event's facts (the dispute object's fields).</summary>
public sealed record DisputeReport(string EventType, string EventId, string DisputeId, string? Status, string? ChargeId, string? PaymentIntentId, long AmountCents, string? Reason);

/// <summary>What a dispute event did to the booking.</summary>
public sealed record DisputeResult(bool Matched, bool Moved, string? Detail, LockedBooking? Booking, bool ReversalRecorded);

/// <summary>
/// Payment disputes, applied inside the event's database transaction (provider, transaction and
/// invoice locked in the <see cref="LockOrder"/>):
/// <list type="bullet">
/// <item><c>charge.dispute.created</c>: the invoice records the dispute and the booking goes on hold
/// (<c>transactions.on_hold_at</c>: it cannot be started or completed); the provider and the
/// operators are mailed.</item>
/// <item><c>charge.dispute.funds_withdrawn</c> / <c>_reinstated</c>: recorded on the invoice
/// (<c>dispute_withdrawn_cents</c>) and audited.</item>
/// <item><c>charge.dispute.closed</c>: the hold is released; when <c>lost</c>, the disputed amount
/// is recorded as the provider's loss (<c>invoices.dispute_lost_cents</c>,
/// <c>providers.disputes_lost_cents</c>) and the intent to reverse the provider's transfer is written
/// (<c>transfer_reversals</c>, one row per dispute); the Stripe call is made after commit
/// (<see cref="TransferReversals"/>).</item>
/// </list>
/// A closed dispute is never reopened by a late event. Every step is audited and writes its domain event.
/// </summary>
public static class Disputes
{
    public static readonly string[] ClosedStatuses = ["won", "lost", "warning_closed", "prevented"];

    public static async Task<DisputeResult> ApplyAsync(Db db, TimeProvider clock, MarketplaceOptions options, DisputeReport d, CancellationToken ct)
    {
        var b = await Ledger.LockAsync(db, BookingRef.Charge(d.ChargeId, d.PaymentIntentId), ct);
        if (b is null)
        {
            return new DisputeResult(false, false, "no recorded payment for the disputed charge", null, false);
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var closing = d.Status is not null && ClosedStatuses.Contains(d.Status);
        var current = (await Pg.QueryAsync(db,
            "SELECT i.dispute_status, t.on_hold_at IS NOT NULL FROM marketplace.invoices i JOIN marketplace.transactions t ON t.id = i.transaction_id WHERE i.id = $1",
            r => (Status: r.Get<string>(0), OnHold: r.GetBoolean(1)), ct, Pg.P(b.InvoiceId)))[0];
        var alreadyClosed = current.Status is not null && ClosedStatuses.Contains(current.Status);
        var parties = await RefundFailures.PartyIdsAsync(db, b.TransactionId, ct);
        var audits = new List<AuditEntry>();
        var events = new List<DomainEvent>();
        var transactionEvents = new List<string>(); // data: the booking as its GET answers it, read by the batch after its changes
        var mails = new List<OutgoingMail>();
        var batch = new PgBatch();
        var facts = new { disputeId = d.DisputeId, status = d.Status, amount = d.AmountCents, reason = d.Reason, eventId = d.EventId };
        var invoiceId = b.InvoiceId.ToString(CultureInfo.InvariantCulture);
        object View(string? status, bool onHold) => new
        {
            id = d.DisputeId, invoiceId = b.InvoiceId, transactionId = b.TransactionId, status, amountCents = d.AmountCents, reason = d.Reason, onHold,
        };

        if (d.EventType is "charge.dispute.funds_withdrawn" or "charge.dispute.funds_reinstated")
        {
            var withdrawn = d.EventType == "charge.dispute.funds_withdrawn";
            batch.Add("UPDATE marketplace.invoices SET dispute_withdrawn_cents = $1, stripe_dispute_id = coalesce(stripe_dispute_id, $2) WHERE id = $3",
                Pg.P(withdrawn ? d.AmountCents : 0L), Pg.P(d.DisputeId), Pg.P(b.InvoiceId));
            audits.Add(new AuditEntry("invoice", b.InvoiceId, withdrawn ? "dispute_funds_withdrawn" : "dispute_funds_reinstated", b.InvoiceStatus, b.InvoiceStatus, null, "system", facts));
            events.Add(new DomainEvent(withdrawn ? EventTypes.DisputeFundsWithdrawn : EventTypes.DisputeFundsReinstated, "dispute", d.DisputeId, View(current.Status, current.OnHold), parties));
            await WriteAsync();
            return new DisputeResult(true, true, d.EventType[(d.EventType.LastIndexOf('.') + 1)..], b, false);
        }

        if (alreadyClosed && !closing)
        {
            audits.Add(new AuditEntry("invoice", b.InvoiceId, "dispute_updated", b.InvoiceStatus, b.InvoiceStatus, null, "system", new { facts, applied = false }));
            await WriteAsync();
            return new DisputeResult(true, false, $"{d.Status} ignored: the dispute is closed already", b, false);
        }

        batch.Add("""
            UPDATE marketplace.invoices
               SET dispute_status = $1, stripe_dispute_id = $2, disputed_at = coalesce(disputed_at, $3), dispute_amount_cents = $4
             WHERE id = $5
            """, Pg.P(d.Status), Pg.P(d.DisputeId), Pg.P(now), Pg.P(d.AmountCents), Pg.P(b.InvoiceId));
        var action = d.EventType == "charge.dispute.closed" ? "dispute_closed" : d.EventType == "charge.dispute.created" ? "dispute_opened" : "dispute_updated";
        audits.Add(new AuditEntry("invoice", b.InvoiceId, action, b.InvoiceStatus, b.InvoiceStatus, null, "system", new { facts, applied = true }));

        var reversal = false;
        if (!closing && !current.OnHold)
        {
            // open: the booking waits for the dispute's outcome
            batch.Add("UPDATE marketplace.transactions SET on_hold_at = $1, on_hold_reason = 'dispute' WHERE id = $2", Pg.P(now), Pg.P(b.TransactionId));
            audits.Add(new AuditEntry("transaction", b.TransactionId, "on_hold", b.TransactionStatus, b.TransactionStatus, null, "system", facts));
            transactionEvents.Add(EventTypes.TransactionOnHold);
        }
        if (d.EventType == "charge.dispute.created")
        {
            events.Add(new DomainEvent(EventTypes.DisputeCreated, "dispute", d.DisputeId, View(d.Status, !closing), parties));
            mails.AddRange(PaymentMails.DisputeOpened(b.Parties, b, d.AmountCents, d.Reason, options));
        }
        if (closing)
        {
            if (current.OnHold)
            {
                batch.Add("UPDATE marketplace.transactions SET on_hold_at = NULL, on_hold_reason = NULL WHERE id = $1 AND on_hold_reason = 'dispute'", Pg.P(b.TransactionId));
                audits.Add(new AuditEntry("transaction", b.TransactionId, "released", b.TransactionStatus, b.TransactionStatus, null, "system", facts));
                transactionEvents.Add(EventTypes.TransactionReleased);
            }
            long lost = 0;
            if (d.Status == "lost" && !alreadyClosed)
            {
                lost = d.AmountCents;
                batch.Add("UPDATE marketplace.invoices SET dispute_lost_cents = $1 WHERE id = $2", Pg.P(lost), Pg.P(b.InvoiceId));
                batch.Add("UPDATE marketplace.providers SET disputes_lost_cents = disputes_lost_cents + $1 WHERE id = $2", Pg.P(lost), Pg.P(b.ProviderId));
                batch.Add("""
                    INSERT INTO marketplace.transfer_reversals (dispute_id, charge_id, invoice_id, transaction_id, provider_id, disputed_cents, event_id, created_at)
                    SELECT $1, stripe_charge_id, id, transaction_id, $2, $3, $4, $5 FROM marketplace.invoices WHERE id = $6 AND stripe_charge_id IS NOT NULL
                    ON CONFLICT (dispute_id) DO NOTHING
                    """, Pg.P(d.DisputeId), Pg.P(b.ProviderId), Pg.P(lost), Pg.P(d.EventId), Pg.P(now), Pg.P(b.InvoiceId));
                audits.Add(new AuditEntry("provider", b.ProviderId, "dispute_lost", null, null, null, "system", new { facts, lostCents = lost, invoiceId = b.InvoiceId }));
                reversal = true;
            }
            if (!alreadyClosed)
            {
                events.Add(new DomainEvent(EventTypes.DisputeClosed, "dispute", d.DisputeId, View(d.Status, false), parties));
                mails.AddRange(PaymentMails.DisputeClosed(b.Parties, b, d.Status!, lost, options));
            }
        }
        await WriteAsync();
        return new DisputeResult(true, true, d.Status, b, reversal);

        async Task WriteAsync()
        {
            if (audits.Count > 0)
            {
                batch.Add(Audit.Insert(audits, now));
            }
            if (mails.Count > 0)
            {
                batch.Add(Outbox.Insert(mails, now));
            }
            foreach (var type in transactionEvents)
            {
                batch.Add(BatchEvents.Transaction(type, b.TransactionId, now, options.Currency));
            }
            if (events.Count > 0)
            {
                batch.Add(DomainEvents.Insert(events, now));
            }
            await batch.ExecuteAsync(db, ct);
        }
    }

    /// <summary>Whether the booking is held by an open dispute (for the start and complete slices).</summary>
    public static async Task<bool> IsOnHoldAsync(Db db, long transactionId, CancellationToken ct) =>
        (await Pg.QueryAsync(db, "SELECT on_hold_at IS NOT NULL FROM marketplace.transactions WHERE id = $1", r => r.GetBoolean(0), ct, Pg.P(transactionId)))
        .FirstOrDefault();

    /// <summary>409 on_hold: the answer of start and complete while a dispute holds the booking.</summary>
    public static ApiProblem OnHold() =>
        ApiProblem.Conflict("on_hold", "A payment dispute holds this booking; it can be started or completed once the dispute closes.");
}
