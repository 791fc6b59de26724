using FastEndpoints;
using Marketplace.Api.Features.Listings;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.SavedListings.List;

public sealed record Request
{
    public int? Limit { get; init; }
    public string? Cursor { get; init; }
}

/// <summary>A saved listing: when it was saved and the listing as browse shows it.</summary>
public sealed record Item(
    DateTime SavedAt,
    int ListingId,
    string Slug,
    string Title,
    [OneOf(typeof(Listings.ListingRules), nameof(Listings.ListingRules.Categories))] string Category,
    long? PriceCents,
    [OneOf(typeof(Listings.ListingRules), nameof(Listings.ListingRules.PriceTypes))] string? PriceType,
    string? PriceText,
    string? CoverImageUrl,
    string? City,
    string? State,
    ProviderSummary Provider);

/// <summary>The keyset position: the last item's savedAt and saved row id.</summary>
public sealed record Cursor(DateTime SavedAt, int Id);

public sealed class Validator : Validator<Request>
{
    public Validator() => this.AddPagingRules(r => r.Limit, r => r.Cursor);
}
