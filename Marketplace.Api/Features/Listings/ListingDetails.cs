using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Listings;

/// <summary>A whole listing with its provider summary, as its owner and (when active) the public see it.</summary>
public sealed record ListingDetails(
    int Id,
    string Slug,
    string Title,
    string? Description,
    [OneOf(typeof(Listings.ListingRules), nameof(Listings.ListingRules.Categories))] string Category,
    string? Subcategory,
    long? PriceCents,
    [OneOf(typeof(Listings.ListingRules), nameof(Listings.ListingRules.PriceTypes))] string? PriceType,
    string? PriceText,
    IReadOnlyList<string> Images,
    string? CoverImageUrl,
    string? City,
    string? State,
    string? Zip,
    string? Duration,
    string? Availability,
    string? MetaDescription,
    string? Keywords,
    int ViewCount,
    int InquiryCount,
    int BookingCount,
    [OneOf(typeof(Listings.ListingRules), nameof(Listings.ListingRules.Statuses))] string Status,
    DateTime? PublishedAt,
    DateTime? PausedAt,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    bool InstantBooking,
    string? CancellationPolicy,
    ProviderSummary Provider)
{
    /// <summary>A listing that is not deleted, by id, with its provider.</summary>
    public static async Task<ListingDetails?> LoadAsync(Db db, int listingId, CancellationToken ct)
    {
        var found = await (
            from l in db.Listings
            join p in db.Providers on l.ProviderId equals p.Id
            where l.Id == listingId && l.DeletedAt == null
            select new { l, Provider = new ProviderSummary(p.Id, p.BusinessName, p.AverageRating, p.TotalReviews, p.VerifiedProvider) })
            .FirstOrDefaultAsync(ct);
        return found is null ? null : From(found.l, found.Provider);
    }

    public static ListingDetails From(ListingRow l, ProviderSummary provider) => new(
        l.Id, l.Slug, l.Title, l.Description, l.Category, l.Subcategory, l.PriceCents, l.PriceType, l.PriceText,
        ListingRules.ImagesFromJson(l.Images), l.CoverImageUrl, l.City, l.State, l.Zip, l.Duration, l.Availability,
        l.MetaDescription, l.Keywords, l.ViewCount, l.InquiryCount, l.BookingCount, l.Status, l.PublishedAt, l.PausedAt,
        l.CreatedAt, l.UpdatedAt, l.InstantBooking, l.CancellationPolicy, provider);
}
