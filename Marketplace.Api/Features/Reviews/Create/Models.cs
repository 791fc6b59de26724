using FastEndpoints;
using FluentValidation;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Reviews.Create;

public sealed record Request
{
    /// <summary>A completed transaction of the caller's, as its client.</summary>
    public long TransactionId { get; init; }

    /// <summary>1 to 5 stars.</summary>
    public int Rating { get; init; }

    /// <summary>Optional, at most 120 characters.</summary>
    public string? Title { get; init; }

    /// <summary>Optional, at most 5,000 characters.</summary>
    public string? ReviewText { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        RuleFor(r => r.TransactionId).GreaterThan(0).WithMessage("transactionId is required.");
        RuleFor(r => r.Rating).InclusiveBetween(1, 5).WithMessage("rating must be between 1 and 5.");
        RuleFor(r => r.Title).MaximumLength(120).WithMessage("title must be at most 120 characters.");
        RuleFor(r => r.ReviewText).MaximumLength(5000).WithMessage("reviewText must be at most 5000 characters.");
    }
}

/// <summary>The stored review.</summary>
public sealed record Response(
    int Id,
    long TransactionId,
    int ProviderId,
    int? ListingId,
    int ClientId,
    int Rating,
    string? Title,
    string? ReviewText,
    [OneOf("published", "flagged", "removed")] string Status,
    DateTime CreatedAt);
