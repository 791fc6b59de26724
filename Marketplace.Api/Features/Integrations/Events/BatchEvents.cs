using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Integrations.Events;

/// <summary>
/// Events of bookings and invoices as one statement each that reads the changed rows where they
/// are, for writers that send their changes in one <see cref="PgBatch"/> (the ledger, on the Stripe
/// webhook's hot path): no extra round trip to load the view first. <c>data</c> is built by the
/// database with the same fields as <c>TransactionView</c> and <c>InvoiceView</c> as their client
/// sees them (a test compares it with the GET answer); times are UTC with microseconds.
/// </summary>
public static class BatchEvents
{
    private const string Utc = "to_char({0} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')";

    private static string T(string column) => string.Format(System.Globalization.CultureInfo.InvariantCulture, Utc, column);

    private static readonly string TransactionSql = $"""
        INSERT INTO marketplace.domain_events (type, occurred_at, resource_type, resource_id, data, party_user_ids)
        SELECT $1, $2, 'transaction', t.id::text,
               jsonb_build_object(
                 'id', t.id, 'role', 'client', 'status', t.status, 'clientId', t.client_id, 'providerId', t.provider_id,
                 'providerBusinessName', p.business_name, 'listingId', t.listing_id, 'listingTitle', l.title,
                 'serviceDescription', t.service_description, 'serviceNotes', t.service_notes, 'quantity', t.quantity,
                 'requestedStartAt', {T("t.requested_start_at")}, 'requestedEndAt', {T("t.requested_end_at")}, 'currency', $3::text,
                 'servicePriceCents', t.service_price_cents, 'platformFeeCents', t.platform_fee_cents, 'taxRate', t.tax_rate,
                 'taxCents', t.tax_cents, 'totalCents', t.total_cents, 'providerPayoutCents', t.provider_payout_cents,
                 'stripeFeesCents', t.stripe_fees_cents, 'refundAmountCents', t.refund_amount_cents, 'refundReason', t.refund_reason,
                 'refundRequestedAt', {T("t.refund_requested_at")}, 'refundRequestedCents', t.refund_requested_cents,
                 'cancellationReason', t.cancellation_reason, 'cancelledBy', t.cancelled_by,
                 'createdAt', {T("t.created_at")}, 'invoicedAt', {T("t.invoiced_at")}, 'paidAt', {T("t.paid_at")},
                 'startedAt', {T("t.started_at")}, 'completedAt', {T("t.completed_at")}, 'cancelledAt', {T("t.cancelled_at")},
                 'refundedAt', {T("t.refunded_at")}, 'holdUntil', {T("t.hold_until")}, 'declineReason', t.decline_reason,
                 'declinedAt', {T("t.declined_at")}, 'expiredAt', {T("t.expired_at")}, 'cancellationPolicy', t.cancellation_policy,
                 'invoice', CASE WHEN i.id IS NULL THEN NULL ELSE jsonb_build_object(
                   'id', i.id, 'invoiceNumber', i.invoice_number, 'status', i.status, 'totalCents', i.total_cents,
                   'paidCents', i.paid_cents, 'balanceCents', i.balance_cents, 'refundedCents', i.refunded_cents) END),
               ARRAY[t.client_id, p.user_id]
          FROM marketplace.transactions t
          JOIN marketplace.providers p ON p.id = t.provider_id
          LEFT JOIN marketplace.service_listings l ON l.id = t.listing_id
          LEFT JOIN marketplace.invoices i ON i.transaction_id = t.id
         WHERE t.id = $4
        """;

    private static readonly string InvoiceSql = $"""
        INSERT INTO marketplace.domain_events (type, occurred_at, resource_type, resource_id, data, party_user_ids)
        SELECT $1, $2, 'invoice', i.id::text,
               jsonb_build_object(
                 'id', i.id, 'transactionId', i.transaction_id, 'invoiceNumber', i.invoice_number, 'role', 'client', 'status', i.status,
                 'providerId', i.provider_id, 'providerBusinessName', p.business_name, 'clientId', i.client_id,
                 'serviceDescription', t.service_description, 'currency', $3::text, 'subtotalCents', i.subtotal_cents,
                 'taxRate', t.tax_rate, 'taxCents', i.tax_cents, 'totalCents', i.total_cents, 'paidCents', i.paid_cents,
                 'balanceCents', i.balance_cents, 'refundedCents', i.refunded_cents, 'paymentMethod', i.payment_method,
                 'paymentInstructions', CASE WHEN i.payment_method = 'stripe' THEN NULL ELSE p.payment_instructions END,
                 'manualPaymentMethod', i.manual_payment_method, 'manualPaymentReference', i.manual_payment_reference,
                 'manualPaymentMarkedAt', {T("i.manual_payment_marked_at")}, 'disputeStatus', i.dispute_status,
                 'issuedAt', {T("i.issued_at")}, 'sentAt', {T("i.sent_at")}, 'viewedAt', {T("i.viewed_at")}, 'dueAt', {T("i.due_at")},
                 'paidAt', {T("i.paid_at")}, 'refundedAt', {T("i.refunded_at")}, 'voidedAt', {T("i.voided_at")}, 'notes', i.notes,
                 'internalNotes', NULL, 'createdAt', {T("i.created_at")}),
               ARRAY[i.client_id, p.user_id]
          FROM marketplace.invoices i
          JOIN marketplace.transactions t ON t.id = i.transaction_id
          JOIN marketplace.providers p ON p.id = i.provider_id
         WHERE i.id = $4
        """;

    /// <summary>The event of a booking, read after the batch's earlier statements changed it.</summary>
    public static PgStatement Transaction(string type, long transactionId, DateTime at, string currency) =>
        new(TransactionSql, Pg.P(type), Pg.P(at), Pg.P(currency), Pg.P(transactionId));

    /// <summary>The event of an invoice, read after the batch's earlier statements changed it.</summary>
    public static PgStatement Invoice(string type, int invoiceId, DateTime at, string currency) =>
        new(InvoiceSql, Pg.P(type), Pg.P(at), Pg.P(currency), Pg.P(invoiceId));
}
