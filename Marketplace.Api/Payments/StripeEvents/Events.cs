using System.Text.Json;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Infrastructure.Email;
using Marketplace.Api.Payments;

namespace Marketplace.Api.Payments.StripeEvents;

/// <summary>The charge behind a paid Checkout Session, fetched from Stripe before the database transaction.</summary>
internal sealed record ChargeDetails(string? ChargeId, long StripeFeesCents);

/// <summary>
/// Applies one verified, newly recorded event inside its database transaction. Every handler is
/// safe against repeats and disorder: payments are recorded once per invoice, refunds carry the
/// cumulative amount, closed disputes stay closed, stale account updates are skipped, and no
/// status ever moves backwards.
/// </summary>
internal sealed class Events(Db db, TimeProvider clock, MarketplaceOptions options)
{
    public Task<Applied> ApplyAsync(StripeEvent evt, ChargeDetails? charge, CancellationToken ct) => evt.ObjectId is null
        ? Task.FromResult(new Applied(Outcomes.Unmatched, "data.object has no id"))
        : evt.Type switch
    {
        "checkout.session.completed" or "checkout.session.async_payment_succeeded" => SessionPaidAsync(evt, charge, ct),
        "checkout.session.async_payment_failed" => SessionPaymentFailedAsync(evt, ct),
        "checkout.session.expired" => SessionExpiredAsync(evt, ct),
        "payment_intent.payment_failed" => PaymentIntentFailedAsync(evt, ct),
        "charge.refunded" => ChargeRefundedAsync(evt, ct),
        "charge.refund.updated" => RefundUpdatedAsync(evt, ct),
        "charge.dispute.created" or "charge.dispute.updated" or "charge.dispute.closed"
            or "charge.dispute.funds_withdrawn" or "charge.dispute.funds_reinstated" => DisputeAsync(evt, ct),
        "account.updated" => AccountUpdatedAsync(evt, ct),
        "payout.created" or "payout.updated" or "payout.paid" or "payout.failed" or "payout.canceled" => PayoutAsync(evt, ct),
        "transfer.reversed" => TransferReversedAsync(evt, ct),
        _ => Task.FromResult(new Applied(Outcomes.Ignored, $"{evt.Type} is not handled")),
    };

    /// <summary>Event types this endpoint acts on; any other is recorded as ignored.</summary>
    public static bool IsHandled(string type) => type is "checkout.session.completed" or "checkout.session.async_payment_succeeded"
        or "checkout.session.async_payment_failed" or "checkout.session.expired" or "payment_intent.payment_failed" or "charge.refunded" or "charge.refund.updated"
        or "charge.dispute.created" or "charge.dispute.updated" or "charge.dispute.closed"
        or "charge.dispute.funds_withdrawn" or "charge.dispute.funds_reinstated" or "account.updated"
        or "payout.created" or "payout.updated" or "payout.paid" or "payout.failed" or "payout.canceled" or "transfer.reversed";

    /// <summary>The charge whose payment and refund events must be applied one at a time (see Data.TryRecordAsync).</summary>
    public static string? ChargeLock(StripeEvent evt, ChargeDetails? charge) => evt.Type switch
    {
        "charge.refunded" => evt.ObjectId,
        "charge.refund.updated" => StripeEvent.Ref(evt.Object, "charge"),
        "checkout.session.completed" or "checkout.session.async_payment_succeeded" => charge?.ChargeId,
        _ => null,
    };

    /// <summary>Whether this event, when new, needs the charge fetched from Stripe first (outside the transaction).</summary>
    public static string? PaymentIntentToFetch(StripeEvent evt) =>
        evt.Type is "checkout.session.completed" or "checkout.session.async_payment_succeeded"
        && StripeEvent.Str(evt.Object, "payment_status") == "paid"
            ? StripeEvent.Ref(evt.Object, "payment_intent")
            : null;

    private async Task<Applied> SessionPaidAsync(StripeEvent evt, ChargeDetails? charge, CancellationToken ct)
    {
        var session = evt.Object;
        if (StripeEvent.MetadataId(session, "invoice_id") is not { } invoiceId || invoiceId > int.MaxValue
            || StripeEvent.MetadataId(session, "transaction_id") is not { } transactionId)
        {
            return new Applied(Outcomes.Unmatched, "the session's metadata names no invoice");
        }
        var ids = (Invoice: (int?)invoiceId, Transaction: (long?)transactionId);
        var paymentStatus = StripeEvent.Str(session, "payment_status");
        if (paymentStatus != "paid")
        {
            // an asynchronous method (bank debit): checkout.session.async_payment_succeeded or _failed follows
            return new Applied(Outcomes.AwaitingPayment, $"payment_status {paymentStatus}", ids.Invoice, ids.Transaction);
        }
        var currency = StripeEvent.Str(session, "currency");
        var amount = StripeEvent.Long(session, "amount_total") ?? -1;
        if (!string.Equals(currency, options.Currency, StringComparison.OrdinalIgnoreCase))
        {
            if (await Data.InvoiceAsync(db, invoiceId, ct) is not { } invoice || invoice.TransactionId != transactionId)
            {
                return new Applied(Outcomes.Unmatched, "no invoice matches the session's metadata");
            }
            await Audit.WriteAsync(db, clock, new AuditEntry("invoice", invoice.Id, "payment_mismatch", invoice.Status, invoice.Status, null, "system",
                new { expectedCurrency = options.Currency, receivedCurrency = currency, amount, eventId = evt.Id }), ct);
            return new Applied(Outcomes.CurrencyMismatch, $"currency {currency}, expected {options.Currency}", ids.Invoice, ids.Transaction);
        }

        var paymentIntentId = StripeEvent.Ref(session, "payment_intent");
        Applied Map(PaymentOutcome outcome) => outcome switch
        {
            PaymentOutcome.Applied => new Applied(Outcomes.Applied, null, ids.Invoice, ids.Transaction),
            PaymentOutcome.Unmatched => new Applied(Outcomes.Unmatched, "no invoice matches the session's metadata"),
            PaymentOutcome.AlreadyRecorded => new Applied(Outcomes.NoChange, "payment recorded before", ids.Invoice, ids.Transaction),
            PaymentOutcome.DuplicatePayment => new Applied(Outcomes.DuplicatePayment, $"invoice already paid by another payment; {paymentIntentId} needs a refund", ids.Invoice, ids.Transaction),
            PaymentOutcome.PaidAfterCancel => new Applied(Outcomes.PaidAfterCancel, $"booking cancelled before payment; {paymentIntentId} needs a refund", ids.Invoice, ids.Transaction),
            _ => new Applied(Outcomes.AmountMismatch, $"amount_total {amount} is not the invoice's balance", ids.Invoice, ids.Transaction),
        };
        Applied? applied = null;
        var now = clock.GetUtcNow().UtcDateTime;
        var result = await Ledger.ApplyPaymentAsync(db, clock, options, transactionId,
            new PaymentReceived("stripe", amount, paymentIntentId, charge?.ChargeId, charge?.StripeFeesCents ?? 0), ct, (int)invoiceId,
            alsoWrite: outcome => Data.FinishStatement(evt.Id, applied = Map(outcome), now));
        if (result.DeferredRefundedCents is { } refunded && charge?.ChargeId is { } chargeId)
        {
            // a refund whose event came before this payment's is applied now that the payment is recorded
            await Ledger.ApplyRefundAsync(db, clock, options, BookingRef.Transaction(transactionId), refunded, null, null, "system", ct,
                alsoWrite: (outcome, _) => Data.DeferredAppliedStatement(chargeId, (int)invoiceId, transactionId, outcome, now));
        }
        return applied! with { Recorded = true };
    }

    private async Task<Applied> SessionPaymentFailedAsync(StripeEvent evt, CancellationToken ct)
    {
        if (await InvoiceOfAsync(evt.Object, ct) is not { } invoice)
        {
            return new Applied(Outcomes.Unmatched, "no invoice matches the session's metadata");
        }
        if (!Bookings.UnpaidInvoiceStatuses.Contains(invoice.Status))
        {
            return new Applied(Outcomes.NoChange, $"invoice is {invoice.Status}", invoice.Id, invoice.TransactionId);
        }
        await Data.CloseSessionAsync(db, invoice.Id, evt.ObjectId!, evt.Created, ct);
        await Audit.WriteAsync(db, clock, new AuditEntry("invoice", invoice.Id, "payment_failed", invoice.Status, invoice.Status, null, "system",
            new { sessionId = evt.ObjectId, eventId = evt.Id }), ct);
        var parties = await Bookings.PartiesAsync(db, invoice.TransactionId, ct);
        await Outbox.EnqueueAsync(db, clock, BookingMails.PaymentFailed(parties, invoice, options), ct);
        return new Applied(Outcomes.PaymentFailed, null, invoice.Id, invoice.TransactionId);
    }

    private async Task<Applied> SessionExpiredAsync(StripeEvent evt, CancellationToken ct)
    {
        if (await InvoiceOfAsync(evt.Object, ct) is not { } invoice)
        {
            return new Applied(Outcomes.Unmatched, "no invoice matches the session's metadata");
        }
        // an expired session of a paid invoice, or an older session, changes nothing
        var closed = Bookings.UnpaidInvoiceStatuses.Contains(invoice.Status)
                     && await Data.CloseSessionAsync(db, invoice.Id, evt.ObjectId!, evt.Created, ct) == 1;
        return new Applied(closed ? Outcomes.Applied : Outcomes.NoChange, null, invoice.Id, invoice.TransactionId);
    }

    private async Task<Applied> PaymentIntentFailedAsync(StripeEvent evt, CancellationToken ct)
    {
        if (await InvoiceOfAsync(evt.Object, ct) is not { } invoice)
        {
            return new Applied(Outcomes.Unmatched, "no invoice matches the payment intent's metadata");
        }
        var error = evt.Object.TryGetProperty("last_payment_error", out var e) && e.ValueKind == JsonValueKind.Object
            ? new { code = StripeEvent.Str(e, "code"), declineCode = StripeEvent.Str(e, "decline_code"), type = StripeEvent.Str(e, "type") }
            : null;
        // the client is still on Stripe's page, which lets them try again: nothing changes here
        await Audit.WriteAsync(db, clock, new AuditEntry("invoice", invoice.Id, "payment_attempt_failed", invoice.Status, invoice.Status, null, "system",
            new { paymentIntentId = evt.ObjectId, error, eventId = evt.Id }), ct);
        return new Applied(Outcomes.PaymentFailed, error?.code, invoice.Id, invoice.TransactionId);
    }

    private async Task<Applied> ChargeRefundedAsync(StripeEvent evt, CancellationToken ct)
    {
        var charge = evt.Object;
        var paymentIntentId = StripeEvent.Ref(charge, "payment_intent");
        if (!string.Equals(StripeEvent.Str(charge, "currency"), options.Currency, StringComparison.OrdinalIgnoreCase))
        {
            var invoice = await Data.InvoiceByChargeAsync(db, evt.ObjectId, paymentIntentId, ct);
            return new Applied(Outcomes.CurrencyMismatch, $"currency {StripeEvent.Str(charge, "currency")}", invoice?.Id, invoice?.TransactionId);
        }
        var refunded = StripeEvent.Long(charge, "amount_refunded") ?? 0;
        Applied Map(RefundOutcome outcome, LockedBooking? b) => outcome switch
        {
            RefundOutcome.Applied => new Applied(Outcomes.Applied, null, b?.InvoiceId, b?.TransactionId),
            RefundOutcome.NoChange => new Applied(Outcomes.NoChange, null, b?.InvoiceId, b?.TransactionId),
            RefundOutcome.ExceedsPayment => new Applied(Outcomes.AmountMismatch, $"amount_refunded {refunded} exceeds paid {b?.PaidCents}", b?.InvoiceId, b?.TransactionId),
            _ => new Applied(Outcomes.Deferred, "no recorded payment for this charge yet; applied when it is", b?.InvoiceId, b?.TransactionId),
        };
        Applied? applied = null;
        var now = clock.GetUtcNow().UtcDateTime;
        await Ledger.ApplyRefundAsync(db, clock, options, BookingRef.Charge(evt.ObjectId, paymentIntentId), refunded, null, null, "system", ct,
            alsoWrite: (outcome, b) => Data.FinishStatement(evt.Id, applied = Map(outcome, b), now));
        return applied! with { Recorded = true };
    }

    /// <summary>
    /// A refund Stripe reports <c>failed</c> or <c>canceled</c> is reverted once (Payments/RefundFailures);
    /// any other update of a refund (pending, succeeded, metadata) changes nothing here: charge.refunded carries the amounts.
    /// </summary>
    private async Task<Applied> RefundUpdatedAsync(StripeEvent evt, CancellationToken ct)
    {
        var refund = evt.Object;
        var status = StripeEvent.Str(refund, "status");
        if (status is null || !RefundFailures.FailedStatuses.Contains(status))
        {
            return new Applied(Outcomes.NoChange, $"refund status {status}");
        }
        var (outcome, b) = await RefundFailures.RevertAsync(db, clock, options,
            new FailedRefund(evt.ObjectId!, StripeEvent.Ref(refund, "charge"), StripeEvent.Ref(refund, "payment_intent"),
                StripeEvent.Long(refund, "amount") ?? 0, status, StripeEvent.Str(refund, "failure_reason"), evt.Id), ct);
        return outcome switch
        {
            RefundFailureOutcome.Reverted => new Applied(Outcomes.RefundFailed, $"refund {evt.ObjectId} {status}", b?.InvoiceId, b?.TransactionId, b?.ProviderId),
            RefundFailureOutcome.AlreadyReverted => new Applied(Outcomes.NoChange, $"refund {evt.ObjectId} was reverted before", b?.InvoiceId, b?.TransactionId, b?.ProviderId),
            _ => new Applied(Outcomes.Unmatched, "no recorded payment for the refunded charge"),
        };
    }

    /// <summary>
    /// Disputes (Payments/Disputes): created puts the booking on hold, closed releases it, lost records
    /// the loss and the intent to reverse the provider's transfer, which the endpoint performs after commit.
    /// </summary>
    private async Task<Applied> DisputeAsync(StripeEvent evt, CancellationToken ct)
    {
        var dispute = evt.Object;
        var result = await Disputes.ApplyAsync(db, clock, options, new DisputeReport(evt.Type, evt.Id, evt.ObjectId!, StripeEvent.Str(dispute, "status"),
            StripeEvent.Ref(dispute, "charge"), StripeEvent.Ref(dispute, "payment_intent"), StripeEvent.Long(dispute, "amount") ?? 0,
            StripeEvent.Str(dispute, "reason")), ct);
        return !result.Matched
            ? new Applied(Outcomes.Unmatched, result.Detail)
            : new Applied(Outcomes.Dispute, result.Detail, result.Booking?.InvoiceId, result.Booking?.TransactionId, result.Booking?.ProviderId)
            {
                ReversalDisputeId = result.ReversalRecorded ? evt.ObjectId : null,
            };
    }

    /// <summary>A payout of a connected account (the event's <c>account</c>): stored per provider (Payments/Payouts).</summary>
    private async Task<Applied> PayoutAsync(StripeEvent evt, CancellationToken ct)
    {
        var payout = evt.Object;
        if (evt.Account is not { } account)
        {
            return new Applied(Outcomes.Ignored, "a payout of the platform's own balance");
        }
        var arrival = StripeEvent.Long(payout, "arrival_date") is { } a and > 0 and < 253_402_300_799 ? DateTimeOffset.FromUnixTimeSeconds(a).UtcDateTime : (DateTime?)null;
        var created = StripeEvent.Long(payout, "created") is { } c and > 0 and < 253_402_300_799 ? DateTimeOffset.FromUnixTimeSeconds(c).UtcDateTime : evt.Created;
        var (providerId, changed) = await Payouts.ApplyAsync(db, clock, new PayoutReport(evt.Type, evt.Id, account, evt.ObjectId!,
            StripeEvent.Long(payout, "amount") ?? 0, StripeEvent.Str(payout, "currency") ?? options.Currency, StripeEvent.Str(payout, "status") ?? "",
            arrival, StripeEvent.Str(payout, "failure_code"), StripeEvent.Str(payout, "failure_message"), created), ct);
        return providerId is null
            ? new Applied(Outcomes.Unmatched, "no provider has this account, or the status is unknown")
            : new Applied(changed ? Outcomes.Applied : Outcomes.Stale, changed ? StripeEvent.Str(payout, "status") : "a later status was recorded", ProviderId: providerId);
    }

    /// <summary>
    /// A transfer to a connected account was reversed (by a refund with reverse_transfer, or by a lost
    /// dispute's reversal): audited on the provider whose account received it, for the operators' trail.
    /// </summary>
    private async Task<Applied> TransferReversedAsync(StripeEvent evt, CancellationToken ct)
    {
        var transfer = evt.Object;
        if (StripeEvent.Ref(transfer, "destination") is not { } account || await Data.ProviderByAccountAsync(db, account, ct) is not { } provider)
        {
            return new Applied(Outcomes.Unmatched, "no provider has the transfer's destination");
        }
        await Audit.WriteAsync(db, clock, new AuditEntry("provider", provider.Id, "transfer_reversed", null, null, null, "system",
            new { transferId = evt.ObjectId, amount = StripeEvent.Long(transfer, "amount"), amountReversed = StripeEvent.Long(transfer, "amount_reversed"),
                  chargeId = StripeEvent.Ref(transfer, "source_transaction"), eventId = evt.Id }), ct);
        return new Applied(Outcomes.Applied, null, ProviderId: provider.Id);
    }

    /// <summary>
    /// A connected account's capabilities: the provider's Stripe flags follow them, and a pending
    /// stripe_connect provider becomes active once the account can take charges and receive payouts.
    /// An update older than one applied already is skipped (events may arrive out of order).
    /// </summary>
    private async Task<Applied> AccountUpdatedAsync(StripeEvent evt, CancellationToken ct)
    {
        var account = evt.Object;
        var accountId = evt.ObjectId ?? evt.Account;
        if (accountId is null || await Data.ProviderByAccountAsync(db, accountId, ct) is not { } provider)
        {
            return new Applied(Outcomes.Unmatched, "no provider has this account");
        }
        if (await Data.NewerAccountUpdateAppliedAsync(db, accountId, evt.Id, evt.Created, ct))
        {
            return new Applied(Outcomes.Stale, "a newer account.updated was applied", ProviderId: provider.Id);
        }
        var state = new Features.Providers.ConnectAccountState(
            ChargesEnabled: StripeEvent.Bool(account, "charges_enabled") ?? false,
            PayoutsEnabled: StripeEvent.Bool(account, "payouts_enabled") ?? false,
            DetailsSubmitted: StripeEvent.Bool(account, "details_submitted") ?? false);
        await Audit.WriteAsync(db, clock, new AuditEntry("provider", provider.Id, "stripe_account_updated", provider.Status, provider.Status, null, "system",
            new { state.ChargesEnabled, state.PayoutsEnabled, state.DetailsSubmitted, eventId = evt.Id }), ct);
        // the same rule as GET /providers/me/stripe-connect: flags follow the account, pending -> active once it can charge and pay out
        var activate = await Features.Providers.ProviderActivation.ApplyAsync(db, clock, accountId, state, null, "system", ct);
        return new Applied(Outcomes.Applied, activate ? "provider activated" : null, ProviderId: provider.Id);
    }

    /// <summary>The invoice named by metadata.invoice_id, if metadata.transaction_id agrees.</summary>
    private async Task<InvoiceRow?> InvoiceOfAsync(JsonElement obj, CancellationToken ct)
    {
        if (StripeEvent.MetadataId(obj, "invoice_id") is not { } invoiceId || StripeEvent.MetadataId(obj, "transaction_id") is not { } transactionId)
        {
            return null;
        }
        var invoice = await Data.InvoiceAsync(db, invoiceId, ct);
        return invoice is not null && invoice.TransactionId == transactionId ? invoice : null;
    }
}
