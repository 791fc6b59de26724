using FastEndpoints;
using FluentValidation;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Listings.Update;

/// <summary>
/// Partial update: a field that is absent stays as it is; an explicit null clears a nullable field.
/// The slug never changes, even when the title does.
/// </summary>
public sealed class Request : PatchRequest, IListingFields
{
    public int Id { get; set; }
    public string? Title { get; set => field = Set(value); }
    public string? Description { get; set => field = Set(value); }
    public string? Category { get; set => field = Set(value); }
    public string? Subcategory { get; set => field = Set(value); }
    public long? PriceCents { get; set => field = Set(value); }
    public string? PriceType { get; set => field = Set(value); }
    public string? PriceText { get; set => field = Set(value); }
    public IReadOnlyList<string>? Images { get; set => field = Set(value); }
    public string? CoverImageUrl { get; set => field = Set(value); }
    public string? City { get; set => field = Set(value); }
    public string? State { get; set => field = Set(value); }
    public string? Zip { get; set => field = Set(value); }
    public string? Duration { get; set => field = Set(value); }
    public string? Availability { get; set => field = Set(value); }
    public string? MetaDescription { get; set => field = Set(value); }
    public string? Keywords { get; set => field = Set(value); }

    /// <summary>True: bookings go ahead at once; false: each booking is a request the provider accepts or declines.</summary>
    public bool? InstantBooking { get; set => field = Set(value); }

    /// <summary>flexible, moderate or strict: overrides the provider's cancellation policy; null returns to it.</summary>
    public string? CancellationPolicy { get; set => field = Set(value); }
}

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        RuleFor(r => r.Title).NotEmpty().MaximumLength(200).When(r => r.Has(nameof(Request.Title)));
        RuleFor(r => r.Category).NotEmpty().OneOf(ListingRules.Categories).When(r => r.Has(nameof(Request.Category)));
        RuleFor(r => r.InstantBooking).NotNull().When(r => r.Has(nameof(Request.InstantBooking)));
        RuleFor(r => r.CancellationPolicy).Must(p => p is null || Transactions.CancellationPolicies.Names.Contains(p))
            .WithMessage("cancellationPolicy must be one of flexible, moderate, strict (or null for the provider's).");
        this.ListingFieldRules();
        RuleFor(r => r.PresentProperties).NotEmpty().OverridePropertyName("request").WithMessage("Send at least one field to change.");
    }
}
