using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Providers.GetPublic;

public sealed record Request
{
    public int Id { get; init; }
}

/// <summary>A provider as the public sees it: no Stripe ids, revenue or payment settings.</summary>
public sealed record Response(
    int Id,
    [OneOf("breeder", "service_provider", "both")] string ProviderType,
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
    IReadOnlyDictionary<string, OpeningPeriod[]>? BusinessHours,
    string? TimeZone,
    int ActiveListings,
    int CompletedTransactions,
    decimal AverageRating,
    int TotalReviews,
    bool VerifiedProvider,
    bool PremiumProvider,
    bool QuickResponder,
    DateTime? ActivatedAt);
