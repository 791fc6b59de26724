using LinqToDB;
using LinqToDB.Mapping;

namespace Marketplace.Api.Data;

/// <summary>A payout Stripe made from a provider's connected account (Payments/Payouts.cs).</summary>
[Table("payouts", Schema = "marketplace")]
public sealed class PayoutRow
{
    [PrimaryKey, Identity, Column("id")] public long Id { get; set; }
    [Column("provider_id")] public int ProviderId { get; set; }
    [Column("stripe_payout_id"), NotNull] public string StripePayoutId { get; set; } = "";
    [Column("stripe_account_id"), NotNull] public string StripeAccountId { get; set; } = "";
    [Column("amount_cents")] public long AmountCents { get; set; }
    [Column("currency"), NotNull] public string Currency { get; set; } = "";
    [Column("status"), NotNull] public string Status { get; set; } = "";
    [Column("arrival_date", DataType = DataType.DateTimeOffset)] public DateTime? ArrivalDate { get; set; }
    [Column("failure_code")] public string? FailureCode { get; set; }
    [Column("failure_message")] public string? FailureMessage { get; set; }
    [Column("stripe_created_at", DataType = DataType.DateTimeOffset)] public DateTime StripeCreatedAt { get; set; }
    [Column("created_at", DataType = DataType.DateTimeOffset)] public DateTime CreatedAt { get; set; }
    [Column("updated_at", DataType = DataType.DateTimeOffset)] public DateTime UpdatedAt { get; set; }
}
