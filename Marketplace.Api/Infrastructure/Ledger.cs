using System.Globalization;
using System.Text;
using System.Text.Json;
using LinqToDB;
using LinqToDB.Data;
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

/// <summary>Which booking a ledger operation is about: by transaction id, or by the Stripe charge (or payment intent) that paid it.</summary>
public sealed record BookingRef(long? TransactionId, string? ChargeId = null, string? PaymentIntentId = null)
{
    public static BookingRef Transaction(long id) => new(id);

    public static BookingRef Charge(string? chargeId, string? paymentIntentId) => new(null, chargeId, paymentIntentId);
}

/// <summary>A statement of the caller's (e.g. the webhook's event record) written in the ledger's batch, so it costs no round trip of its own.</summary>
public sealed record LedgerStatement(string Sql, params DataParameter[] Parameters);

/// <summary>What a payment did, and a refund of its charge recorded before it (a refund event that came first), if any.</summary>
public sealed record PaymentResult(PaymentOutcome Outcome, long? DeferredRefundedCents);

public enum PaymentOutcome
{
    Applied,

    /// <summary>No booking has this transaction id with this invoice id.</summary>
    Unmatched,

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

    /// <summary>More refunded than was paid: recorded and flagged, never applied.</summary>
    ExceedsPayment,
}

/// <summary>A transaction and its invoice, locked (FOR UPDATE) by the ledger, with who to write to.</summary>
public sealed class LockedBooking
{
    public long TransactionId { get; set; }
    public int ProviderId { get; set; }
    public string TransactionStatus { get; set; } = "";
    public long TotalCents { get; set; }
    public long PlatformFeeCents { get; set; }
    public long ProviderPayoutCents { get; set; }
    public string ServiceDescription { get; set; } = "";
    public int InvoiceId { get; set; }
    public string InvoiceNumber { get; set; } = "";
    public string InvoiceStatus { get; set; } = "";
    public long PaidCents { get; set; }
    public long BalanceCents { get; set; }
    public long RefundedCents { get; set; }
    public string? PaymentIntentId { get; set; }
    public string ClientEmail { get; set; } = "";
    public string? ClientFirstName { get; set; }
    public string ProviderEmail { get; set; } = "";
    public string BusinessName { get; set; } = "";

    /// <summary>The largest amount_refunded of charge.refunded events kept (deferred) until this charge's payment is recorded.</summary>
    public long? DeferredRefundedCents { get; set; }

    public BookingParties Parties => new(ClientEmail, ClientFirstName, ProviderEmail, BusinessName, ServiceDescription);
}

/// <summary>
/// Money arriving and leaving, applied to the invoice, the transaction and the provider's counters
/// together, always inside the caller's database transaction (with the audit rows and mails).
/// Both operations first lock the transaction and invoice rows (one query, FOR UPDATE), so
/// concurrent events on one invoice are applied one after the other, decide in C#, then write
/// everything in one batch: this is the webhook's hot path, so it costs two round trips.
/// Both are idempotent: a payment is recorded once, and a refund is given as the cumulative amount
/// refunded so far (Stripe's charge.amount_refunded), which only ever grows.
/// <para>Provider counters (kept exact here, recomputed from rows by the tests):
/// <c>total_revenue_cents</c> = sum over the provider's paid transactions of (total - refunded);
/// <c>lifetime_payout_cents</c> = sum over the same of <see cref="Money.NetPayout"/> (total - refunded,
/// less the platform fee net of its refunded part).</para>
/// </summary>
public static partial class Ledger
{
    private const string LockSql = """
        SELECT t.id AS "TransactionId", t.provider_id AS "ProviderId", t.status AS "TransactionStatus", t.total_cents AS "TotalCents",
               t.platform_fee_cents AS "PlatformFeeCents", t.provider_payout_cents AS "ProviderPayoutCents", t.service_description AS "ServiceDescription",
               i.id AS "InvoiceId", i.invoice_number AS "InvoiceNumber", i.status AS "InvoiceStatus", i.paid_cents AS "PaidCents",
               i.balance_cents AS "BalanceCents", i.refunded_cents AS "RefundedCents", i.stripe_payment_intent_id AS "PaymentIntentId",
               c.email AS "ClientEmail", c.first_name AS "ClientFirstName", o.email AS "ProviderEmail", p.business_name AS "BusinessName",
               (SELECT max((e.payload -> 'data' -> 'object' ->> 'amount_refunded')::bigint) FROM marketplace.stripe_events e
                 WHERE e.object_id = @deferredCharge AND e.type = 'charge.refunded' AND e.outcome = 'deferred') AS "DeferredRefundedCents"
          FROM marketplace.transactions t
          JOIN marketplace.invoices i ON i.transaction_id = t.id
          JOIN marketplace.users c ON c.id = t.client_id
          JOIN marketplace.providers p ON p.id = t.provider_id
          JOIN marketplace.users o ON o.id = p.user_id
        """;

    /// <summary>
    /// Locks the booking's transaction and invoice rows until the end of the database transaction.
    /// With <paramref name="deferredCharge"/>, also reads the refunds of that charge kept until its payment is recorded.
    /// </summary>
    public static async Task<LockedBooking?> LockAsync(Db db, BookingRef booking, CancellationToken ct, string? deferredCharge = null)
    {
        var (where, parameters) = booking.TransactionId is { } id
            ? (" WHERE t.id = @transactionId", new[] { new DataParameter("transactionId", id) })
            : (" WHERE i.stripe_charge_id = @chargeId OR i.stripe_payment_intent_id = @paymentIntentId",
               new[] { new DataParameter("chargeId", booking.ChargeId, DataType.VarChar), new DataParameter("paymentIntentId", booking.PaymentIntentId, DataType.VarChar) });
        var rows = await db.QueryToListAsync<LockedBooking>(LockSql + where + " LIMIT 1 FOR UPDATE OF t, i", ct,
            [.. parameters, new DataParameter("deferredCharge", deferredCharge, DataType.VarChar)]);
        return rows.FirstOrDefault();
    }

    /// <param name="expectedInvoiceId">When given (Stripe metadata), the booking's invoice must be this one.</param>
    /// <param name="alsoWrite">The caller's own statement for this outcome, written in the same batch.</param>
    public static async Task<PaymentResult> ApplyPaymentAsync(Db db, TimeProvider clock, MarketplaceOptions options,
        long transactionId, PaymentReceived payment, CancellationToken ct, int? expectedInvoiceId = null,
        Func<PaymentOutcome, LedgerStatement?>? alsoWrite = null)
    {
        var b = await LockAsync(db, BookingRef.Transaction(transactionId), ct, deferredCharge: payment.ChargeId);
        if (b is null || (expectedInvoiceId is { } expected && expected != b.InvoiceId))
        {
            if (alsoWrite?.Invoke(PaymentOutcome.Unmatched) is { } statement)
            {
                await db.ExecuteAsync(statement.Sql, ct, statement.Parameters);
            }
            return new PaymentResult(PaymentOutcome.Unmatched, null);
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var batch = new WriteBatch(now);
        var facts = new { payment.Method, payment.AmountCents, payment.PaymentIntentId, payment.ChargeId, payment.StripeFeesCents, payment.ManualMethod, payment.ManualReference };
        PaymentOutcome outcome;
        if (b.InvoiceStatus is "paid" or "refunded")
        {
            outcome = payment.PaymentIntentId is not null && payment.PaymentIntentId == b.PaymentIntentId
                ? PaymentOutcome.AlreadyRecorded
                : PaymentOutcome.DuplicatePayment;
            if (outcome == PaymentOutcome.DuplicatePayment)
            {
                batch.Audit(new AuditEntry("invoice", b.InvoiceId, "duplicate_payment", b.InvoiceStatus, b.InvoiceStatus, payment.ActorUserId, payment.ActorRole, facts));
            }
        }
        else if (b.InvoiceStatus == "void" || b.TransactionStatus == "cancelled")
        {
            outcome = PaymentOutcome.PaidAfterCancel;
            batch.Audit(new AuditEntry("invoice", b.InvoiceId, "payment_after_cancel", b.InvoiceStatus, b.InvoiceStatus, payment.ActorUserId, payment.ActorRole, facts));
            batch.Mail(BookingMails.PaidAfterCancel(b.Parties, b, payment.AmountCents, options));
        }
        else if (payment.AmountCents != b.BalanceCents)
        {
            outcome = PaymentOutcome.AmountMismatch;
            batch.Audit(new AuditEntry("invoice", b.InvoiceId, "payment_mismatch", b.InvoiceStatus, b.InvoiceStatus, payment.ActorUserId, payment.ActorRole,
                new { expectedCents = b.BalanceCents, receivedCents = payment.AmountCents, payment.PaymentIntentId }));
        }
        else
        {
            outcome = PaymentOutcome.Applied;
            var manual = payment.Method != "stripe";
            batch.Add("""
                UPDATE marketplace.invoices
                   SET status = 'paid', paid_cents = @amount, balance_cents = total_cents - @amount, paid_at = @now, payment_method = @method,
                       stripe_payment_intent_id = @paymentIntentId, stripe_charge_id = @chargeId, stripe_checkout_url = NULL,
                       manual_payment_marked_at = @manualAt, manual_payment_method = @manualMethod, manual_payment_reference = @manualReference,
                       manual_payment_confirmed_by = @confirmedBy
                 WHERE id = @invoiceId AND status IN ('draft', 'sent', 'viewed')
                """,
                new DataParameter("amount", payment.AmountCents),
                new DataParameter("method", payment.Method),
                new DataParameter("paymentIntentId", payment.PaymentIntentId, DataType.VarChar),
                new DataParameter("chargeId", payment.ChargeId, DataType.VarChar),
                new DataParameter("manualAt", manual ? now : null, DataType.DateTimeOffset),
                new DataParameter("manualMethod", payment.ManualMethod, DataType.VarChar),
                new DataParameter("manualReference", payment.ManualReference, DataType.VarChar),
                new DataParameter("confirmedBy", manual ? payment.ActorUserId : null, DataType.Int32),
                new DataParameter("invoiceId", b.InvoiceId));
            batch.Add("""
                UPDATE marketplace.transactions SET status = 'paid', paid_at = @now, stripe_fees_cents = @stripeFees
                 WHERE id = @transactionId AND status = 'invoiced'
                """,
                new DataParameter("stripeFees", payment.StripeFeesCents),
                new DataParameter("transactionId", b.TransactionId));
            batch.Audit(new AuditEntry("invoice", b.InvoiceId, "paid", b.InvoiceStatus, "paid", payment.ActorUserId, payment.ActorRole, facts));
            batch.Audit(new AuditEntry("transaction", b.TransactionId, "paid", b.TransactionStatus, "paid", payment.ActorUserId, payment.ActorRole, facts));
            foreach (var mail in BookingMails.PaymentReceipt(b.Parties, b, payment.AmountCents, options))
            {
                batch.Mail(mail);
            }
            // last, so the provider's row (shared by all its bookings) stays locked as briefly as possible
            batch.Add("""
                UPDATE marketplace.providers
                   SET total_revenue_cents = total_revenue_cents + @revenue, lifetime_payout_cents = lifetime_payout_cents + @payout
                 WHERE id = @providerId
                """,
                new DataParameter("revenue", b.TotalCents),
                new DataParameter("payout", b.ProviderPayoutCents),
                new DataParameter("providerId", b.ProviderId));
        }
        if (alsoWrite?.Invoke(outcome) is { } also)
        {
            batch.Add(also.Sql, also.Parameters);
        }
        await batch.ExecuteAsync(db, ct);
        return new PaymentResult(outcome, outcome == PaymentOutcome.Applied ? b.DeferredRefundedCents : null);
    }

    /// <summary>
    /// Records that <paramref name="cumulativeRefundedCents"/> of the invoice's payment have been
    /// refunded in all. A full refund moves the invoice to <c>refunded</c> and the transaction to
    /// <c>refunded</c> (a cancelled transaction stays cancelled). When
    /// <paramref name="expectedRefundedBefore"/> is given (refunds recorded without Stripe) the
    /// refund only applies on top of exactly that amount: 409 <c>concurrent_change</c> otherwise.
    /// </summary>
    public static async Task<RefundOutcome> ApplyRefundAsync(Db db, TimeProvider clock, MarketplaceOptions options,
        BookingRef booking, long cumulativeRefundedCents, string? reason, int? actorUserId, string actorRole,
        CancellationToken ct, long? expectedRefundedBefore = null, Func<RefundOutcome, LockedBooking?, LedgerStatement?>? alsoWrite = null)
    {
        var b = await LockAsync(db, booking, ct);
        if (b is null || b.PaidCents == 0)
        {
            return await AloneAsync(RefundOutcome.NotPaid);
        }
        if (expectedRefundedBefore is { } expected && expected != b.RefundedCents)
        {
            throw ApiProblem.Conflict("concurrent_change", "Another refund was recorded meanwhile; reload the booking and try again.");
        }
        if (cumulativeRefundedCents > b.PaidCents)
        {
            await Audit.WriteAsync(db, clock, new AuditEntry("invoice", b.InvoiceId, "refund_mismatch", b.InvoiceStatus, b.InvoiceStatus, actorUserId, actorRole,
                new { refundedCents = cumulativeRefundedCents, b.PaidCents }), ct);
            return await AloneAsync(RefundOutcome.ExceedsPayment);
        }
        var before = b.RefundedCents;
        var after = cumulativeRefundedCents;
        if (after <= before)
        {
            return await AloneAsync(RefundOutcome.NoChange);
        }

        async Task<RefundOutcome> AloneAsync(RefundOutcome outcome)
        {
            if (alsoWrite?.Invoke(outcome, b) is { } statement)
            {
                await db.ExecuteAsync(statement.Sql, ct, statement.Parameters);
            }
            return outcome;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var full = after == b.PaidCents;
        var feeRefunded = Money.PlatformFeeRefunded(b.PlatformFeeCents, b.TotalCents, after);
        var invoiceStatus = full && b.InvoiceStatus == "paid" ? "refunded" : b.InvoiceStatus;
        var transactionStatus = full && b.TransactionStatus is "paid" or "in_progress" or "completed" ? "refunded" : b.TransactionStatus;
        var revenueDelta = after - before;
        var payoutDelta = Money.NetPayout(b.TotalCents, b.PlatformFeeCents, before) - Money.NetPayout(b.TotalCents, b.PlatformFeeCents, after);

        var batch = new WriteBatch(now);
        batch.Add("""
            UPDATE marketplace.invoices SET refunded_cents = @refunded, refunded_at = @now, status = @invoiceStatus WHERE id = @invoiceId;
            UPDATE marketplace.transactions
               SET refund_amount_cents = @refunded, platform_fee_refunded_cents = @feeRefunded, refunded_at = @now,
                   refund_reason = coalesce(@reason, refund_reason), refund_requested_at = NULL, refund_requested_cents = NULL, status = @transactionStatus
             WHERE id = @transactionId
            """,
            new DataParameter("refunded", after),
            new DataParameter("invoiceStatus", invoiceStatus),
            new DataParameter("invoiceId", b.InvoiceId),
            new DataParameter("feeRefunded", feeRefunded),
            new DataParameter("reason", reason, DataType.VarChar),
            new DataParameter("transactionStatus", transactionStatus),
            new DataParameter("transactionId", b.TransactionId));
        var details = new { refundedCents = after, amountCents = after - before, platformFeeRefundedCents = feeRefunded, reason };
        batch.Audit(new AuditEntry("invoice", b.InvoiceId, full ? "refunded" : "partially_refunded", b.InvoiceStatus, invoiceStatus, actorUserId, actorRole, details));
        batch.Audit(new AuditEntry("transaction", b.TransactionId, full ? "refunded" : "partially_refunded", b.TransactionStatus, transactionStatus, actorUserId, actorRole, details));
        foreach (var mail in BookingMails.Refunded(b.Parties, b, after - before, after, options))
        {
            batch.Mail(mail);
        }
        batch.Add("""
            UPDATE marketplace.providers
               SET total_revenue_cents = total_revenue_cents - @revenueDelta, lifetime_payout_cents = lifetime_payout_cents - @payoutDelta
             WHERE id = @providerId
            """,
            new DataParameter("revenueDelta", revenueDelta),
            new DataParameter("payoutDelta", payoutDelta),
            new DataParameter("providerId", b.ProviderId));
        if (alsoWrite?.Invoke(RefundOutcome.Applied, b) is { } also)
        {
            batch.Add(also.Sql, also.Parameters);
        }
        await batch.ExecuteAsync(db, ct);
        return RefundOutcome.Applied;
    }

    /// <summary>
    /// The writes of one ledger operation, sent as one command (PostgreSQL runs the statements in
    /// order, inside the caller's transaction). Audit rows and mails are the rows
    /// <see cref="Audit.WriteAsync"/> and <see cref="Outbox.EnqueueAsync"/> write.
    /// </summary>
    private sealed partial class WriteBatch(DateTime now)
    {
        private readonly StringBuilder sql = new();
        private readonly List<DataParameter> parameters = [new DataParameter("now", now, DataType.DateTimeOffset)];
        private int next;

        public void Add(string statement, params DataParameter[] values)
        {
            // each statement's parameters get a suffix of their own, so statements never share one by accident
            var suffix = "_" + next++.ToString(CultureInfo.InvariantCulture);
            var names = values.Select(v => v.Name!).ToHashSet(StringComparer.Ordinal);
            sql.Append(ParameterName().Replace(statement, m => names.Contains(m.Groups[1].Value) ? m.Value + suffix : m.Value)).Append(";\n");
            foreach (var value in values)
            {
                value.Name += suffix;
            }
            parameters.AddRange(values);
        }

        [System.Text.RegularExpressions.GeneratedRegex(@"@(\w+)")]
        private static partial System.Text.RegularExpressions.Regex ParameterName();

        public void Audit(AuditEntry e) => Add("""
            INSERT INTO marketplace.audit_log (entity_type, entity_id, action, from_status, to_status, actor_user_id, actor_role, details, created_at)
            VALUES (@entityType, @entityId, @action, @fromStatus, @toStatus, @actorUserId, @actorRole, @details, @now)
            """,
            new DataParameter("entityType", e.EntityType),
            new DataParameter("entityId", e.EntityId),
            new DataParameter("action", e.Action),
            new DataParameter("fromStatus", e.FromStatus, DataType.VarChar),
            new DataParameter("toStatus", e.ToStatus, DataType.VarChar),
            new DataParameter("actorUserId", e.ActorUserId, DataType.Int32),
            new DataParameter("actorRole", e.ActorRole, DataType.VarChar),
            new DataParameter("details", e.Details is null ? null : JsonSerializer.Serialize(e.Details, JsonSerializerOptions.Web), DataType.BinaryJson));

        public void Mail(OutgoingMail m) => Add("""
            INSERT INTO marketplace.email_outbox (kind, to_address, subject, text_body, html_body, created_at, available_at)
            VALUES (@kind, @to, @subject, @text, @html, @now, @now)
            """,
            new DataParameter("kind", m.Kind),
            new DataParameter("to", m.To),
            new DataParameter("subject", m.Subject.Length > 200 ? m.Subject[..200] : m.Subject),
            new DataParameter("text", m.TextBody),
            new DataParameter("html", m.HtmlBody, DataType.Text));

        public async Task ExecuteAsync(Db db, CancellationToken ct)
        {
            if (next > 0)
            {
                await db.ExecuteAsync(sql.ToString(), ct, [.. parameters]);
            }
        }
    }
}
