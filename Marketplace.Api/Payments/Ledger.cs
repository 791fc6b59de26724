using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Features.Transactions.Lifecycle;
using Marketplace.Api.Infrastructure.Email;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Payments;

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

    /// <summary>A manual payment past the booking's payment window: refused, nothing written (the expiry job expires the booking).</summary>
    WindowClosed,
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

    /// <summary>When a requested or invoiced booking stops holding its slot (transactions.hold_until).</summary>
    public DateTime? HoldUntil { get; set; }

    public BookingParties Parties => new(ClientEmail, ClientFirstName, ProviderEmail, BusinessName, ServiceDescription);
}

/// <summary>
/// Money arriving and leaving, applied to the invoice, the transaction and the provider's counters
/// together, always inside the caller's database transaction (with the audit rows and mails).
/// Both operations first lock the provider, then the transaction and invoice rows (one round trip,
/// in the <see cref="LockOrder"/>), so concurrent events on one invoice are applied one after the
/// other, decide in C#, then write everything in one batch: this is the webhook's hot path, so it
/// costs two round trips.
/// Both are idempotent: a payment is recorded once, and a refund is given as the cumulative amount
/// refunded so far (Stripe's charge.amount_refunded), which only ever grows.
/// <para>Provider counters (kept exact here, recomputed from rows by the tests):
/// <c>total_revenue_cents</c> = sum over the provider's paid transactions of (total - refunded);
/// <c>lifetime_payout_cents</c> = sum over the same of <see cref="Money.NetPayout"/> (total - refunded,
/// less the platform fee net of its refunded part).</para>
/// </summary>
public static class Ledger
{
    private const string LockSql = """
        SELECT t.id, t.provider_id, t.status, t.total_cents, t.platform_fee_cents, t.provider_payout_cents, t.service_description,
               i.id, i.invoice_number, i.status, i.paid_cents, i.balance_cents, i.refunded_cents, i.stripe_payment_intent_id,
               c.email, c.first_name, o.email, p.business_name,
               (SELECT max((e.payload -> 'data' -> 'object' ->> 'amount_refunded')::bigint) FROM marketplace.stripe_events e
                 WHERE e.object_id = $1 AND e.type = 'charge.refunded' AND e.outcome = 'deferred'),
               t.hold_until
          FROM marketplace.transactions t
          JOIN marketplace.invoices i ON i.transaction_id = t.id
          JOIN marketplace.users c ON c.id = t.client_id
          JOIN marketplace.providers p ON p.id = t.provider_id
          JOIN marketplace.users o ON o.id = p.user_id
        """;

    private const string ByTransaction = LockSql + " WHERE t.id = $2 LIMIT 1 FOR UPDATE OF t, i";
    private const string ByCharge = LockSql + " WHERE i.stripe_charge_id = $2 OR i.stripe_payment_intent_id = $3 LIMIT 1 FOR UPDATE OF t, i";

    // the provider first (LockOrder): its counters move with the booking, and every writer of them takes it before the booking's rows
    private const string ProviderByTransaction =
        "SELECT 1 FROM marketplace.providers WHERE id = (SELECT provider_id FROM marketplace.transactions WHERE id = $1) FOR NO KEY UPDATE";
    private const string ProviderByCharge = """
        SELECT 1 FROM marketplace.providers
         WHERE id = (SELECT provider_id FROM marketplace.invoices WHERE stripe_charge_id = $1 OR stripe_payment_intent_id = $2 LIMIT 1)
           FOR NO KEY UPDATE
        """;

    /// <summary>
    /// Locks the booking's provider, then its transaction and invoice rows (<see cref="LockOrder"/>),
    /// until the end of the database transaction; both statements go in one round trip.
    /// With <paramref name="deferredCharge"/>, also reads the refunds of that charge kept until its payment is recorded.
    /// </summary>
    public static async Task<LockedBooking?> LockAsync(Db db, BookingRef booking, CancellationToken ct, string? deferredCharge = null)
    {
        await using var batch = new Npgsql.NpgsqlBatch(await Pg.ConnectionAsync(db, ct));
        var provider = new Npgsql.NpgsqlBatchCommand(booking.TransactionId is null ? ProviderByCharge : ProviderByTransaction);
        var rows = new Npgsql.NpgsqlBatchCommand(booking.TransactionId is null ? ByCharge : ByTransaction);
        if (booking.TransactionId is { } id)
        {
            provider.Parameters.Add(Pg.P(id));
            rows.Parameters.AddRange(new[] { Pg.P(deferredCharge), Pg.P(id) });
        }
        else
        {
            provider.Parameters.AddRange(new[] { Pg.P(booking.ChargeId), Pg.P(booking.PaymentIntentId) });
            rows.Parameters.AddRange(new[] { Pg.P(deferredCharge), Pg.P(booking.ChargeId), Pg.P(booking.PaymentIntentId) });
        }
        batch.BatchCommands.Add(provider);
        batch.BatchCommands.Add(rows);
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.NextResultAsync(ct);
        return await reader.ReadAsync(ct) ? ReadLocked(reader) : null;
    }

    private static LockedBooking ReadLocked(Npgsql.NpgsqlDataReader r) => new()
    {
        TransactionId = r.GetInt64(0),
        ProviderId = r.GetInt32(1),
        TransactionStatus = r.GetString(2),
        TotalCents = r.GetInt64(3),
        PlatformFeeCents = r.GetInt64(4),
        ProviderPayoutCents = r.GetInt64(5),
        ServiceDescription = r.GetString(6),
        InvoiceId = r.GetInt32(7),
        InvoiceNumber = r.GetString(8),
        InvoiceStatus = r.GetString(9),
        PaidCents = r.GetInt64(10),
        BalanceCents = r.GetInt64(11),
        RefundedCents = r.GetInt64(12),
        PaymentIntentId = r.Get<string>(13),
        ClientEmail = r.GetString(14),
        ClientFirstName = r.Get<string>(15),
        ProviderEmail = r.GetString(16),
        BusinessName = r.GetString(17),
        DeferredRefundedCents = r.IsDBNull(18) ? null : r.GetInt64(18),
        HoldUntil = r.IsDBNull(19) ? null : r.GetDateTime(19),
    };

    /// <param name="expectedInvoiceId">When given (Stripe metadata), the booking's invoice must be this one.</param>
    /// <param name="alsoWrite">The caller's own statement for this outcome, written in the same batch.</param>
    public static async Task<PaymentResult> ApplyPaymentAsync(Db db, TimeProvider clock, MarketplaceOptions options,
        long transactionId, PaymentReceived payment, CancellationToken ct, int? expectedInvoiceId = null,
        Func<PaymentOutcome, PgStatement?>? alsoWrite = null)
    {
        var b = await LockAsync(db, BookingRef.Transaction(transactionId), ct, deferredCharge: payment.ChargeId);
        if (b is null || (expectedInvoiceId is { } expected && expected != b.InvoiceId))
        {
            if (alsoWrite?.Invoke(PaymentOutcome.Unmatched) is { } statement)
            {
                await Pg.ExecuteAsync(db, statement, ct);
            }
            return new PaymentResult(PaymentOutcome.Unmatched, null);
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var batch = new WriteBatch(now);
        var facts = new { payment.Method, payment.AmountCents, payment.PaymentIntentId, payment.ChargeId, payment.StripeFeesCents, payment.ManualMethod, payment.ManualReference };
        PaymentOutcome outcome;
        var lapsed = b.TransactionStatus == "invoiced" && b.HoldUntil is { } holdUntil && holdUntil <= now;
        if (lapsed && payment.Method != "stripe")
        {
            // the provider records money the platform never saw: past the window it is refused, and nothing is written
            return new PaymentResult(PaymentOutcome.WindowClosed, null);
        }
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
        else if (b.InvoiceStatus == "void" || b.TransactionStatus is "cancelled" or "expired" or "declined" || lapsed)
        {
            if (lapsed)
            {
                // past its payment window the booking no longer holds its slot (another client may have booked it
                // already): it expires here, as the expiry job would have, and the money is flagged, never applied
                await BookingExpiry.ExpireLapsedAsync(db, clock, options, b.TransactionId, now, ct);
                b.InvoiceStatus = "void";
            }
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
                   SET status = 'paid', paid_cents = $1, balance_cents = total_cents - $1, paid_at = $2, payment_method = $3,
                       stripe_payment_intent_id = $4, stripe_charge_id = $5, stripe_checkout_url = NULL,
                       manual_payment_marked_at = $6, manual_payment_method = $7, manual_payment_reference = $8, manual_payment_confirmed_by = $9
                 WHERE id = $10 AND status IN ('draft', 'sent', 'viewed')
                """,
                Pg.P(payment.AmountCents), Pg.P(now), Pg.P(payment.Method), Pg.P(payment.PaymentIntentId), Pg.P(payment.ChargeId),
                Pg.P(manual ? now : (DateTime?)null), Pg.P(payment.ManualMethod), Pg.P(payment.ManualReference),
                Pg.P(manual && payment.ActorRole == "admin" ? payment.ActorUserId : null), Pg.P(b.InvoiceId)); // seed: the admin who confirmed it (admin confirm-manual-payment)
            batch.Add("""
                UPDATE marketplace.transactions SET status = 'paid', paid_at = $1, stripe_fees_cents = $2
                 WHERE id = $3 AND status = 'invoiced'
                """,
                Pg.P(now), Pg.P(payment.StripeFeesCents), Pg.P(b.TransactionId));
            batch.Add(BatchEvents.Invoice(EventTypes.InvoicePaid, b.InvoiceId, now, options.Currency));
            batch.Add(BatchEvents.Transaction(EventTypes.TransactionPaid, b.TransactionId, now, options.Currency));
            batch.Audit(new AuditEntry("invoice", b.InvoiceId, "paid", b.InvoiceStatus, "paid", payment.ActorUserId, payment.ActorRole, facts));
            batch.Audit(new AuditEntry("transaction", b.TransactionId, "paid", b.TransactionStatus, "paid", payment.ActorUserId, payment.ActorRole, facts));
            foreach (var mail in BookingMails.PaymentReceipt(b.Parties, b, payment.AmountCents, options))
            {
                batch.Mail(mail);
            }
            batch.Add("""
                UPDATE marketplace.providers
                   SET total_revenue_cents = total_revenue_cents + $1, lifetime_payout_cents = lifetime_payout_cents + $2
                 WHERE id = $3
                """,
                Pg.P(b.TotalCents), Pg.P(b.ProviderPayoutCents), Pg.P(b.ProviderId));
        }
        if (alsoWrite?.Invoke(outcome) is { } also)
        {
            batch.Add(also);
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
        CancellationToken ct, long? expectedRefundedBefore = null, Func<RefundOutcome, LockedBooking?, PgStatement?>? alsoWrite = null)
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
                await Pg.ExecuteAsync(db, statement, ct);
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
        batch.Add("UPDATE marketplace.invoices SET refunded_cents = $1, refunded_at = $2, status = $3 WHERE id = $4",
            Pg.P(after), Pg.P(now), Pg.P(invoiceStatus), Pg.P(b.InvoiceId));
        batch.Add("""
            UPDATE marketplace.transactions
               SET refund_amount_cents = $1, platform_fee_refunded_cents = $2, refunded_at = $3,
                   refund_reason = coalesce($4, refund_reason), refund_requested_at = NULL, refund_requested_cents = NULL, status = $5
             WHERE id = $6
            """,
            Pg.P(after), Pg.P(feeRefunded), Pg.P(now), Pg.P(reason), Pg.P(transactionStatus), Pg.P(b.TransactionId));
        // partial refunds too: refundedCents moved (the status says whether it was the whole payment)
        batch.Add(BatchEvents.Invoice(EventTypes.InvoiceRefunded, b.InvoiceId, now, options.Currency));
        batch.Add(BatchEvents.Transaction(EventTypes.TransactionRefunded, b.TransactionId, now, options.Currency));
        var details = new { refundedCents = after, amountCents = after - before, platformFeeRefundedCents = feeRefunded, reason };
        batch.Audit(new AuditEntry("invoice", b.InvoiceId, full ? "refunded" : "partially_refunded", b.InvoiceStatus, invoiceStatus, actorUserId, actorRole, details));
        batch.Audit(new AuditEntry("transaction", b.TransactionId, full ? "refunded" : "partially_refunded", b.TransactionStatus, transactionStatus, actorUserId, actorRole, details));
        foreach (var mail in BookingMails.Refunded(b.Parties, b, after - before, after, options))
        {
            batch.Mail(mail);
        }
        batch.Add("""
            UPDATE marketplace.providers
               SET total_revenue_cents = total_revenue_cents - $1, lifetime_payout_cents = lifetime_payout_cents - $2
             WHERE id = $3
            """,
            Pg.P(revenueDelta), Pg.P(payoutDelta), Pg.P(b.ProviderId));
        if (alsoWrite?.Invoke(RefundOutcome.Applied, b) is { } also)
        {
            batch.Add(also);
        }
        await batch.ExecuteAsync(db, ct);
        if (transactionStatus != b.TransactionStatus)
        {
            // a refunded booking gives its seat back (the browse filter's free slots, Features/Listings/Availability/FreeDays.cs)
            var released = await db.Transactions.FirstAsync(t => t.Id == b.TransactionId, ct);
            await Features.Listings.Availability.FreeDays.RefreshBookingAsync(db, released, now, ct);
        }
        return RefundOutcome.Applied;
    }

    /// <summary>
    /// The writes of one ledger operation, sent in one round trip (PostgreSQL runs them in order,
    /// inside the caller's transaction). Audit rows and mails added in a row become one INSERT each
    /// (<see cref="Infrastructure.Audit.Insert"/>, <see cref="Outbox.Insert"/>).
    /// </summary>
    private sealed class WriteBatch(DateTime now)
    {
        private readonly PgBatch batch = new();
        private readonly List<AuditEntry> audits = [];
        private readonly List<OutgoingMail> mails = [];

        public void Add(string sql, params Npgsql.NpgsqlParameter[] parameters) => Add(new PgStatement(sql, parameters));

        public void Add(PgStatement statement)
        {
            FlushRows();
            batch.Add(statement);
        }

        public void Audit(AuditEntry entry) => audits.Add(entry);

        public void Mail(OutgoingMail mail) => mails.Add(mail);

        public async Task ExecuteAsync(Db db, CancellationToken ct)
        {
            FlushRows();
            await batch.ExecuteAsync(db, ct);
        }

        private void FlushRows()
        {
            if (audits.Count > 0)
            {
                batch.Add(Infrastructure.Audit.Insert(audits, now));
                audits.Clear();
            }
            if (mails.Count > 0)
            {
                batch.Add(Outbox.Insert(mails, now));
                mails.Clear();
            }
        }
    }
}
