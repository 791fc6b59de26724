using FastEndpoints;
using FluentValidation;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Listings.Browse;

public sealed record Request
{
    /// <summary>grooming | training | boarding | vet | transport | photography | stud_service | other</summary>
    public string? Category { get; init; }
    public string? Subcategory { get; init; }
    /// <summary>Exact match, as the listings store it (TX).</summary>
    public string? State { get; init; }
    /// <summary>Exact match, as the listings store it (Austin).</summary>
    public string? City { get; init; }
    public string? Zip { get; init; }
    public long? MinPriceCents { get; init; }
    public long? MaxPriceCents { get; init; }
    /// <summary>fixed | hourly | daily | custom | contact</summary>
    public string? PriceType { get; init; }
    public int? ProviderId { get; init; }
    /// <summary>Full-text search over title, keywords and description (web search syntax: words, "phrases", -exclusions, or).</summary>
    public string? Q { get; init; }
    /// <summary>newest (default) | price_asc | price_desc | popular | relevance (needs q: title matches first, then title and keywords, then description; newest first in each). Listings without a price come last in price sorts.</summary>
    public string? Sort { get; init; }
    public int? Limit { get; init; }
    public string? Cursor { get; init; }
    /// <summary>With availableTo: only listings with a slot that can be booked now starting in [availableFrom, availableTo) (ISO-8601 instant with offset, e.g. 2026-12-01T00:00:00Z); listings without an availability plan always pass.</summary>
    public DateTime? AvailableFrom { get; init; }
    /// <summary>End of the availability range, exclusive (ISO-8601 instant with offset); at most 14 days after availableFrom and 60 days from now.</summary>
    public DateTime? AvailableTo { get; init; }
}

/// <summary>One listing of the results, with its provider's summary.</summary>
public sealed record Item(
    int Id,
    string Slug,
    string Title,
    [OneOf(typeof(Listings.ListingRules), nameof(Listings.ListingRules.Categories))] string Category,
    string? Subcategory,
    long? PriceCents,
    [OneOf(typeof(Listings.ListingRules), nameof(Listings.ListingRules.PriceTypes))] string? PriceType,
    string? PriceText,
    string? CoverImageUrl,
    string? City,
    string? State,
    string? Zip,
    string? Duration,
    string? MetaDescription,
    int ViewCount,
    DateTime PublishedAt,
    ProviderSummary Provider);

public static class Sorts
{
    public const string Newest = "newest";
    public const string PriceAsc = "price_asc";
    public const string PriceDesc = "price_desc";
    public const string Popular = "popular";
    public const string Relevance = "relevance";
    public static readonly string[] All = [Newest, PriceAsc, PriceDesc, Popular, Relevance];
}

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        RuleFor(r => r.Category).OneOf(ListingRules.Categories);
        RuleFor(r => r.Subcategory).MaximumLength(100);
        RuleFor(r => r.State).MaximumLength(100);
        RuleFor(r => r.City).MaximumLength(100);
        RuleFor(r => r.Zip).MaximumLength(20);
        RuleFor(r => r.MinPriceCents).GreaterThanOrEqualTo(0);
        RuleFor(r => r.MaxPriceCents).GreaterThanOrEqualTo(0)
            .GreaterThanOrEqualTo(r => r.MinPriceCents ?? 0).WithMessage("maxPriceCents must not be below minPriceCents.");
        RuleFor(r => r.PriceType).OneOf(ListingRules.PriceTypes);
        RuleFor(r => r.ProviderId).GreaterThan(0);
        RuleFor(r => r.Q).MaximumLength(200);
        RuleFor(r => r.Sort).OneOf(Sorts.All);
        RuleFor(r => r.Sort).Must((r, sort) => sort != Sorts.Relevance || !string.IsNullOrWhiteSpace(r.Q))
            .WithMessage("sort=relevance needs a search text (q).");
        this.AddPagingRules(r => r.Limit, r => r.Cursor);
        RuleFor(r => r.AvailableFrom).NotNull().When(r => r.AvailableTo is not null).WithMessage("availableFrom and availableTo go together.");
        RuleFor(r => r.AvailableTo).NotNull().When(r => r.AvailableFrom is not null).WithMessage("availableFrom and availableTo go together.");
        RuleFor(r => r.AvailableFrom).Must(t => t!.Value.Kind != DateTimeKind.Unspecified).When(r => r.AvailableFrom is not null)
            .WithMessage("availableFrom is an instant: give its offset (2026-12-01T00:00:00Z).");
        RuleFor(r => r.AvailableTo).Must(t => t!.Value.Kind != DateTimeKind.Unspecified).When(r => r.AvailableTo is not null)
            .WithMessage("availableTo is an instant: give its offset (2026-12-08T00:00:00Z).");
        RuleFor(r => r.AvailableTo).Must((r, to) => to!.Value.ToUniversalTime() > r.AvailableFrom!.Value.ToUniversalTime())
            .When(r => r.AvailableFrom is not null && r.AvailableTo is not null).WithMessage("availableTo must be after availableFrom.");
    }
}
