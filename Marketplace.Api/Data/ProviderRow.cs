using LinqToDB;
using LinqToDB.Mapping;

namespace Marketplace.Api.Data;

[Table("providers", Schema = "marketplace")]
public sealed class ProviderRow
{
    [Column("id"), PrimaryKey, Identity] public int Id { get; set; }
    [Column("user_id")] public int UserId { get; set; }
    [Column("provider_type"), NotNull] public string ProviderType { get; set; } = "";

    // External reference to the breeder system's tenant; no foreign key.
    [Column("tenant_id")] public int? TenantId { get; set; }
    [Column("business_name"), NotNull] public string BusinessName { get; set; } = "";
    [Column("business_description")] public string? BusinessDescription { get; set; }
    [Column("logo_url")] public string? LogoUrl { get; set; }
    [Column("cover_image_url")] public string? CoverImageUrl { get; set; }
    [Column("public_email")] public string? PublicEmail { get; set; }
    [Column("public_phone")] public string? PublicPhone { get; set; }
    [Column("website")] public string? Website { get; set; }
    [Column("city")] public string? City { get; set; }
    [Column("state")] public string? State { get; set; }
    [Column("zip")] public string? Zip { get; set; }
    [Column("country")] public string? Country { get; set; } = "US";

    [Column("stripe_connect_account_id")] public string? StripeConnectAccountId { get; set; }
    [Column("stripe_connect_onboarding_complete")] public bool StripeConnectOnboardingComplete { get; set; }
    [Column("stripe_connect_payouts_enabled")] public bool StripeConnectPayoutsEnabled { get; set; }
    [Column("stripe_connect_details_submitted")] public bool StripeConnectDetailsSubmitted { get; set; }
    [Column("payment_mode"), NotNull] public string PaymentMode { get; set; } = "stripe_connect";
    [Column("payment_instructions")] public string? PaymentInstructions { get; set; }

    [Column("business_hours", DataType = DataType.BinaryJson)] public string? BusinessHours { get; set; }
    [Column("time_zone")] public string? TimeZone { get; set; } = "America/New_York";
    [Column("cancellation_policy"), NotNull] public string CancellationPolicy { get; set; } = "flexible";
    // SHA-256 of the calendar feed's secret token (Features/Providers/CalendarToken).
    [Column("calendar_token_hash")] public byte[]? CalendarTokenHash { get; set; }

    [Column("total_listings")] public int TotalListings { get; set; }
    [Column("active_listings")] public int ActiveListings { get; set; }
    [Column("total_transactions")] public int TotalTransactions { get; set; }
    [Column("completed_transactions")] public int CompletedTransactions { get; set; }
    [Column("total_revenue_cents")] public long TotalRevenueCents { get; set; }
    [Column("lifetime_payout_cents")] public long LifetimePayoutCents { get; set; }
    [Column("average_rating")] public decimal AverageRating { get; set; }
    [Column("total_reviews")] public int TotalReviews { get; set; }

    [Column("verified_provider")] public bool VerifiedProvider { get; set; }
    [Column("premium_provider")] public bool PremiumProvider { get; set; }
    [Column("quick_responder")] public bool QuickResponder { get; set; }

    [Column("status"), NotNull] public string Status { get; set; } = "pending";
    [Column("activated_at", DataType = DataType.DateTimeOffset)] public DateTime? ActivatedAt { get; set; }
    [Column("suspended_at", DataType = DataType.DateTimeOffset)] public DateTime? SuspendedAt { get; set; }
    [Column("suspended_reason")] public string? SuspendedReason { get; set; }

    [Column("created_at", DataType = DataType.DateTimeOffset)] public DateTime CreatedAt { get; set; }
    [Column("updated_at", DataType = DataType.DateTimeOffset)] public DateTime UpdatedAt { get; set; }
    [Column("deleted_at", DataType = DataType.DateTimeOffset)] public DateTime? DeletedAt { get; set; }

    /// <summary>Sum of the provider's lost disputes (invoices.dispute_lost_cents), taken back from its transfers.</summary>
    [Column("disputes_lost_cents")] public long DisputesLostCents { get; set; }
}
