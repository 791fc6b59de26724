using LinqToDB;
using LinqToDB.Mapping;

namespace Marketplace.Api.Data;

[Table("transactions", Schema = "marketplace")]
public sealed class TransactionRow
{
    [Column("id"), PrimaryKey, Identity] public long Id { get; set; }
    [Column("client_id")] public int ClientId { get; set; }
    [Column("provider_id")] public int ProviderId { get; set; }
    [Column("listing_id")] public int? ListingId { get; set; }

    [Column("service_description"), NotNull] public string ServiceDescription { get; set; } = "";
    [Column("service_notes")] public string? ServiceNotes { get; set; }

    [Column("service_price_cents")] public long ServicePriceCents { get; set; }
    [Column("platform_fee_cents")] public long PlatformFeeCents { get; set; }
    [Column("stripe_fees_cents")] public long StripeFeesCents { get; set; }
    [Column("total_cents")] public long TotalCents { get; set; }
    [Column("provider_payout_cents")] public long ProviderPayoutCents { get; set; }
    [Column("tax_cents")] public long TaxCents { get; set; }
    [Column("tax_rate")] public decimal? TaxRate { get; set; }

    [Column("invoice_id")] public int? InvoiceId { get; set; }
    [Column("status"), NotNull] public string Status { get; set; } = "pending";

    [Column("created_at", DataType = DataType.DateTimeOffset)] public DateTime CreatedAt { get; set; }
    [Column("invoiced_at", DataType = DataType.DateTimeOffset)] public DateTime? InvoicedAt { get; set; }
    [Column("paid_at", DataType = DataType.DateTimeOffset)] public DateTime? PaidAt { get; set; }
    [Column("started_at", DataType = DataType.DateTimeOffset)] public DateTime? StartedAt { get; set; }
    [Column("completed_at", DataType = DataType.DateTimeOffset)] public DateTime? CompletedAt { get; set; }
    [Column("cancelled_at", DataType = DataType.DateTimeOffset)] public DateTime? CancelledAt { get; set; }
    [Column("refunded_at", DataType = DataType.DateTimeOffset)] public DateTime? RefundedAt { get; set; }

    [Column("cancellation_reason")] public string? CancellationReason { get; set; }
    [Column("cancelled_by")] public string? CancelledBy { get; set; }
    [Column("refund_amount_cents")] public long RefundAmountCents { get; set; }
    [Column("refund_reason")] public string? RefundReason { get; set; }

    [Column("quantity")] public int Quantity { get; set; } = 1;
    [Column("requested_start_at", DataType = DataType.DateTimeOffset)] public DateTime? RequestedStartAt { get; set; }
    [Column("requested_end_at", DataType = DataType.DateTimeOffset)] public DateTime? RequestedEndAt { get; set; }
    [Column("refund_requested_at", DataType = DataType.DateTimeOffset)] public DateTime? RefundRequestedAt { get; set; }
    [Column("refund_requested_cents")] public long? RefundRequestedCents { get; set; }

    // The part of platform_fee_cents given back by refunds (refund_application_fee).
    [Column("platform_fee_refunded_cents")] public long PlatformFeeRefundedCents { get; set; }

    // A payment dispute holds the booking (Payments/Disputes.cs): no start or complete meanwhile.
    [Column("on_hold_at", DataType = DataType.DateTimeOffset)] public DateTime? OnHoldAt { get; set; }
    [Column("on_hold_reason")] public string? OnHoldReason { get; set; }
    // When a requested or invoiced booking stops holding its slot (request expiry, payment window).
    [Column("hold_until", DataType = DataType.DateTimeOffset)] public DateTime? HoldUntil { get; set; }
    [Column("decline_reason")] public string? DeclineReason { get; set; }
    [Column("declined_at", DataType = DataType.DateTimeOffset)] public DateTime? DeclinedAt { get; set; }
    [Column("expired_at", DataType = DataType.DateTimeOffset)] public DateTime? ExpiredAt { get; set; }
    [Column("reminder_sent_at", DataType = DataType.DateTimeOffset)] public DateTime? ReminderSentAt { get; set; }
    // The policy the cancellation applied (flexible, moderate, strict, or full).
    [Column("cancellation_policy")] public string? CancellationPolicy { get; set; }
}
