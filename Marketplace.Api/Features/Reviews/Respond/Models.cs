using FastEndpoints;
using FluentValidation;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Reviews.Respond;

public sealed record Request
{
    public int Id { get; init; }

    /// <summary>The provider's public answer, 1 to 5,000 characters once trimmed.</summary>
    public string? ProviderResponse { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        RuleFor(r => r.ProviderResponse)
            .Must(t => !string.IsNullOrWhiteSpace(t)).WithMessage("providerResponse must not be empty.")
            .Must(t => t is null || t.Trim().Length <= 5000).WithMessage("providerResponse must be at most 5000 characters.");
    }
}

public sealed record Response(
    int Id,
    int ProviderId,
    int? ListingId,
    int Rating,
    string? Title,
    string? ReviewText,
    [OneOf("published", "flagged", "removed")] string Status,
    DateTime CreatedAt,
    string ProviderResponse,
    DateTime RespondedAt);
