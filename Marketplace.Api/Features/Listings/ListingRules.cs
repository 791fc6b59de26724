using System.Text.Json;
using FluentValidation;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Listings;

/// <summary>The optional fields a listing is created and updated with (both requests carry them).</summary>
public interface IListingFields
{
    string? Description { get; }
    string? Subcategory { get; }
    long? PriceCents { get; }
    string? PriceType { get; }
    string? PriceText { get; }
    IReadOnlyList<string>? Images { get; }
    string? CoverImageUrl { get; }
    string? City { get; }
    string? State { get; }
    string? Zip { get; }
    string? Duration { get; }
    string? Availability { get; }
    string? MetaDescription { get; }
    string? Keywords { get; }
}

/// <summary>The listing rules that several listing slices enforce: values, prices, completeness, who may manage.</summary>
public static class ListingRules
{
    public static readonly string[] Categories = ["grooming", "training", "boarding", "vet", "transport", "photography", "stud_service", "other"];
    public static readonly string[] PriceTypes = ["fixed", "hourly", "daily", "custom", "contact"];
    public static readonly string[] Statuses = ["draft", "active", "paused", "archived"];
    public const int MaxImages = 20;
    public const long MaxPriceCents = 1_000_000_000;

    /// <summary>
    /// The price rules: a price is required for fixed, hourly and daily, forbidden for contact, optional
    /// for custom; a price needs a price type. Returns the offending field and why, or null.
    /// </summary>
    public static (string Field, string Message)? PriceProblem(string? priceType, long? priceCents) => (priceType, priceCents) switch
    {
        (null, not null) => ("priceType", "priceType is required when priceCents is given."),
        ("fixed" or "hourly" or "daily", null) => ("priceCents", $"priceCents is required for the price type {priceType}."),
        ("contact", not null) => ("priceCents", "priceCents must be empty for the price type contact."),
        _ => null,
    };

    /// <summary>What a listing still lacks before it can be published (empty when complete).</summary>
    public static IReadOnlyList<string> MissingForPublishing(string title, string? description, string category, string? priceType, long? priceCents)
    {
        var missing = new List<string>();
        if (string.IsNullOrWhiteSpace(title))
        {
            missing.Add("title");
        }
        if (string.IsNullOrWhiteSpace(description))
        {
            missing.Add("description");
        }
        if (string.IsNullOrWhiteSpace(category))
        {
            missing.Add("category");
        }
        if (priceType is null)
        {
            missing.Add("priceType");
        }
        else if (PriceProblem(priceType, priceCents) is not null)
        {
            missing.Add("priceCents");
        }
        return missing;
    }

    public static ApiProblem Incomplete(IReadOnlyList<string> missing) =>
        ApiProblem.Conflict("listing_incomplete", $"The listing cannot be active without: {string.Join(", ", missing)}.");

    /// <summary>
    /// The caller's provider id, when the provider may manage listings (active or pending; a
    /// suspended provider may not: 403 provider_suspended).
    /// </summary>
    public static int ManagingProviderId(CurrentUser caller) => caller.ProviderStatus switch
    {
        "active" or "pending" => caller.ProviderId!.Value,
        _ => throw ApiProblem.Forbidden("provider_suspended", "Your provider account is not active; listings cannot be changed."),
    };

    public static string? ImagesToJson(IReadOnlyList<string>? images) =>
        images is null ? null : JsonSerializer.Serialize(images);

    public static IReadOnlyList<string> ImagesFromJson(string? json) =>
        json is null ? [] : JsonSerializer.Deserialize<string[]>(json) ?? [];

    public static IRuleBuilderOptions<T, IReadOnlyList<string>?> ValidImages<T>(this IRuleBuilder<T, IReadOnlyList<string>?> rule) =>
        rule.Must(images => images is null || images.Count <= MaxImages)
            .WithMessage($"At most {MaxImages} images.")
            .Must(images => images is null || images.All(i => i is { Length: <= 2048 } && Uri.TryCreate(i, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps))
            .WithMessage("Each image must be an absolute https URL of at most 2048 characters.");

    /// <summary>The shape and length rules of the optional fields, the same on create and update (limits are the column sizes).</summary>
    public static void ListingFieldRules<T>(this AbstractValidator<T> validator) where T : IListingFields
    {
        validator.RuleFor(r => r.Description).MaximumLength(5000);
        validator.RuleFor(r => r.Subcategory).MaximumLength(100);
        validator.RuleFor(r => r.PriceCents).InclusiveBetween(0, MaxPriceCents);
        validator.RuleFor(r => r.PriceType).OneOf(PriceTypes);
        validator.RuleFor(r => r.PriceText).MaximumLength(100);
        validator.RuleFor(r => r.Images).ValidImages();
        validator.RuleFor(r => r.CoverImageUrl).HttpsUrl();
        validator.RuleFor(r => r.City).MaximumLength(100);
        validator.RuleFor(r => r.State).MaximumLength(100);
        validator.RuleFor(r => r.Zip).MaximumLength(20);
        validator.RuleFor(r => r.Duration).MaximumLength(100);
        validator.RuleFor(r => r.Availability).MaximumLength(200);
        validator.RuleFor(r => r.MetaDescription).MaximumLength(300);
        validator.RuleFor(r => r.Keywords).MaximumLength(500);
    }
}
