using LinqToDB;
using LinqToDB.Mapping;

namespace Marketplace.Api.Data;

[Table("invoices", Schema = "marketplace")]
public sealed class InvoiceRow
{
    [Column("id"), PrimaryKey, Identity] public int Id { get; set; }
    [Column("transaction_id")] public long TransactionId { get; set; }
    [Column("provider_id")] public int ProviderId { get; set; }
    [Column("client_id")] public int ClientId { get; set; }
    [Column("invoice_number"), NotNull] public string InvoiceNumber { get; set; } = "";

    [Column("subtotal_cents")] public long SubtotalCents { get; set; }
    [Column("tax_cents")] public long TaxCents { get; set; }
    [Column("total_cents")] public long TotalCents { get; set; }
    [Column("paid_cents")] public long PaidCents { get; set; }
    [Column("balance_cents")] public long BalanceCents { get; set; }
    [Column("refunded_cents")] public long RefundedCents { get; set; }

    [Column("status"), NotNull] public string Status { get; set; } = "draft";

    [Column("payment_method"), NotNull] public string PaymentMethod { get; set; } = "stripe";
    [Column("stripe_invoice_id")] public string? StripeInvoiceId { get; set; }
    [Column("stripe_payment_intent_id")] public string? StripePaymentIntentId { get; set; }
    [Column("stripe_charge_id")] public string? StripeChargeId { get; set; }

    [Column("manual_payment_marked_at", DataType = DataType.DateTimeOffset)] public DateTime? ManualPaymentMarkedAt { get; set; }
    [Column("manual_payment_method")] public string? ManualPaymentMethod { get; set; }
    [Column("manual_payment_reference")] public string? ManualPaymentReference { get; set; }
    [Column("manual_payment_confirmed_by")] public int? ManualPaymentConfirmedBy { get; set; }

    [Column("issued_at", DataType = DataType.DateTimeOffset)] public DateTime? IssuedAt { get; set; }
    [Column("sent_at", DataType = DataType.DateTimeOffset)] public DateTime? SentAt { get; set; }
    [Column("viewed_at", DataType = DataType.DateTimeOffset)] public DateTime? ViewedAt { get; set; }
    [Column("due_at", DataType = DataType.DateTimeOffset)] public DateTime? DueAt { get; set; }
    [Column("paid_at", DataType = DataType.DateTimeOffset)] public DateTime? PaidAt { get; set; }
    [Column("refunded_at", DataType = DataType.DateTimeOffset)] public DateTime? RefundedAt { get; set; }
    [Column("voided_at", DataType = DataType.DateTimeOffset)] public DateTime? VoidedAt { get; set; }

    [Column("notes")] public string? Notes { get; set; }

    // Never shown to the client.
    [Column("internal_notes")] public string? InternalNotes { get; set; }

    [Column("created_at", DataType = DataType.DateTimeOffset)] public DateTime CreatedAt { get; set; }
    [Column("updated_at", DataType = DataType.DateTimeOffset)] public DateTime UpdatedAt { get; set; }

    // The Checkout Session offered for this invoice, reused while open.
    [Column("stripe_checkout_session_id")] public string? StripeCheckoutSessionId { get; set; }
    [Column("stripe_checkout_url")] public string? StripeCheckoutUrl { get; set; }
    [Column("stripe_checkout_expires_at", DataType = DataType.DateTimeOffset)] public DateTime? StripeCheckoutExpiresAt { get; set; }

    [Column("stripe_dispute_id")] public string? StripeDisputeId { get; set; }
    [Column("dispute_status")] public string? DisputeStatus { get; set; }
    [Column("disputed_at", DataType = DataType.DateTimeOffset)] public DateTime? DisputedAt { get; set; }

    // A refund Stripe reported failed (Payments/RefundFailures.cs); refund_attempt keys the next refund.
    [Column("refund_failed_at", DataType = DataType.DateTimeOffset)] public DateTime? RefundFailedAt { get; set; }
    [Column("refund_failure")] public string? RefundFailure { get; set; }
    [Column("refund_attempt")] public int RefundAttempt { get; set; }

    [Column("dispute_amount_cents")] public long? DisputeAmountCents { get; set; }
    [Column("dispute_withdrawn_cents")] public long DisputeWithdrawnCents { get; set; }
    [Column("dispute_lost_cents")] public long DisputeLostCents { get; set; }
}
