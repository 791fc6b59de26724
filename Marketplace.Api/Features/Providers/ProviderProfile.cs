using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Providers;

/// <summary>The provider's own profile: everything, including Stripe and payment settings and statistics.</summary>
public sealed record ProviderProfile(
    int Id,
    int UserId,
    [OneOf("breeder", "service_provider", "both")] string ProviderType,
    int? TenantId,
    bool TenantVerified,
    string BusinessName,
    string? BusinessDescription,
    string? LogoUrl,
    string? CoverImageUrl,
    string? PublicEmail,
    string? PublicPhone,
    string? Website,
    string? City,
    string? State,
    string? Zip,
    string? Country,
    [OneOf("stripe_connect", "manual", "offline")] string PaymentMode,
    string? PaymentInstructions,
    IReadOnlyDictionary<string, OpeningPeriod[]>? BusinessHours,
    string? TimeZone,
    string? StripeConnectAccountId,
    bool StripeConnectOnboardingComplete,
    bool StripeConnectPayoutsEnabled,
    bool StripeConnectDetailsSubmitted,
    int TotalListings,
    int ActiveListings,
    int TotalTransactions,
    int CompletedTransactions,
    long TotalRevenueCents,
    /* a ledger figure (Payments/Ledger): what the provider earned from paid bookings net of refunds and platform fees, not the
       payouts Stripe made (GET /providers/me/payouts, dashboard payouts) */
    long LifetimePayoutCents,
    decimal AverageRating,
    int TotalReviews,
    bool VerifiedProvider,
    bool PremiumProvider,
    bool QuickResponder,
    [OneOf("pending", "active", "suspended", "deleted")] string Status,
    DateTime? ActivatedAt,
    DateTime? SuspendedAt,
    DateTime CreatedAt,
    DateTime UpdatedAt)
{
    /// <summary>The live (not deleted) provider of a user, with the owner's tenant verification.</summary>
    public static async Task<ProviderProfile?> LoadAsync(Db db, int providerId, CancellationToken ct)
    {
        var found = await (
            from p in db.Providers
            join u in db.Users on p.UserId equals u.Id
            where p.Id == providerId && p.DeletedAt == null
            select new { p, u.TenantId, u.TenantVerified })
            .FirstOrDefaultAsync(ct);
        return found is null ? null : From(found.p, found.TenantVerified && found.TenantId == found.p.TenantId && found.p.TenantId != null);
    }

    private static ProviderProfile From(ProviderRow p, bool tenantVerified) => new(
        p.Id, p.UserId, p.ProviderType, p.TenantId, tenantVerified, p.BusinessName, p.BusinessDescription,
        p.LogoUrl, p.CoverImageUrl, p.PublicEmail, p.PublicPhone, p.Website, p.City, p.State, p.Zip, p.Country,
        p.PaymentMode, p.PaymentInstructions, Providers.BusinessHours.FromJson(p.BusinessHours), p.TimeZone,
        p.StripeConnectAccountId, p.StripeConnectOnboardingComplete, p.StripeConnectPayoutsEnabled, p.StripeConnectDetailsSubmitted,
        p.TotalListings, p.ActiveListings, p.TotalTransactions, p.CompletedTransactions, p.TotalRevenueCents, p.LifetimePayoutCents,
        p.AverageRating, p.TotalReviews, p.VerifiedProvider, p.PremiumProvider, p.QuickResponder,
        p.Status, p.ActivatedAt, p.SuspendedAt, p.CreatedAt, p.UpdatedAt);
}
