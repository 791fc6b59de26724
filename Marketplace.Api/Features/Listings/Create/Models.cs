using FastEndpoints;
using FluentValidation;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Listings.Create;

public sealed record Request : IListingFields
{
    public string Title { get; init; } = "";
    public string? Description { get; init; }
    /// <summary>grooming | training | boarding | vet | transport | photography | stud_service | other</summary>
    public string Category { get; init; } = "";
    public string? Subcategory { get; init; }
    /// <summary>Minor units; required for fixed, hourly and daily, forbidden for contact, optional for custom.</summary>
    public long? PriceCents { get; init; }
    /// <summary>fixed | hourly | daily | custom | contact</summary>
    public string? PriceType { get; init; }
    /// <summary>Free text shown with the price ("Starting at $50").</summary>
    public string? PriceText { get; init; }
    /// <summary>Up to 20 https image URLs.</summary>
    public IReadOnlyList<string>? Images { get; init; }
    /// <summary>Defaults to the first image.</summary>
    public string? CoverImageUrl { get; init; }
    public string? City { get; init; }
    public string? State { get; init; }
    public string? Zip { get; init; }
    /// <summary>"1 hour", "Half day", ...</summary>
    public string? Duration { get; init; }
    /// <summary>"Weekdays", "By appointment", ...</summary>
    public string? Availability { get; init; }
    public string? MetaDescription { get; init; }
    /// <summary>Search keywords, also matched by GET /listings?q=.</summary>
    public string? Keywords { get; init; }

    /// <summary>True (default): a booking goes ahead at once; false: it is a request the provider accepts or declines.</summary>
    public bool? InstantBooking { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        RuleFor(r => r.Title).NotEmpty().MaximumLength(200);
        RuleFor(r => r.Category).NotEmpty().OneOf(ListingRules.Categories);
        this.ListingFieldRules();
        RuleFor(r => r).Custom((r, context) =>
        {
            if (ListingRules.PriceProblem(r.PriceType, r.PriceCents) is { } problem)
            {
                context.AddFailure(problem.Field, problem.Message);
            }
        });
    }
}
