using FastEndpoints;
using FluentValidation;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Transactions.Book;

/// <summary>
/// Book a listing (<c>listingId</c>) or ask a provider directly (<c>providerId</c> with a
/// <c>description</c>). Hourly and daily listings take a <c>quantity</c> (hours, days).
/// </summary>
public sealed record Request
{
    public int? ListingId { get; init; }
    public int? ProviderId { get; init; }

    /// <summary>What is booked; required when booking a provider directly, else the listing's title.</summary>
    public string? Description { get; init; }

    /// <summary>Hours (hourly listings), days (daily listings) or units (fixed price, default 1).</summary>
    public int? Quantity { get; init; }

    public DateTime? RequestedStartAt { get; init; }
    public DateTime? RequestedEndAt { get; init; }

    /// <summary>The client's notes for the provider; the booking answers them as serviceNotes.</summary>
    public string? ServiceNotes { get; init; }

    /// <summary>Deprecated alias of serviceNotes (the first name of this field); send one of the two.</summary>
    public string? Notes { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public const int MaxQuantity = 1000;

    public Validator()
    {
        RuleFor(r => r.ListingId).GreaterThan(0).When(r => r.ListingId is not null);
        RuleFor(r => r.ProviderId).GreaterThan(0).When(r => r.ProviderId is not null);
        RuleFor(r => r.ListingId).NotNull().When(r => r.ProviderId is null).WithMessage("Give a listingId, or a providerId with a description.");
        RuleFor(r => r.ProviderId).Null().When(r => r.ListingId is not null).WithMessage("Give either a listingId or a providerId, not both.");
        RuleFor(r => r.Description).NotEmpty().When(r => r.ProviderId is not null).WithMessage("Describe the service when booking a provider directly.");
        RuleFor(r => r.Description).MaximumLength(2000);
        RuleFor(r => r.ServiceNotes).MaximumLength(2000);
        RuleFor(r => r.Notes).MaximumLength(2000);
        RuleFor(r => r.Notes).Null().When(r => r.ServiceNotes is not null).WithMessage("notes is the old name of serviceNotes: send one of them.");
        RuleFor(r => r.Quantity).InclusiveBetween(1, MaxQuantity).When(r => r.Quantity is not null);
        RuleFor(r => r.RequestedEndAt).GreaterThan(r => r.RequestedStartAt)
            .When(r => r.RequestedStartAt is not null && r.RequestedEndAt is not null)
            .WithMessage("requestedEndAt must be after requestedStartAt.");
    }
}
