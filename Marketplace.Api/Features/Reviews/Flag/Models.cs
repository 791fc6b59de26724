using FastEndpoints;
using FluentValidation;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Reviews.Flag;

public sealed record Request
{
    public int Id { get; init; }

    /// <summary>Why the review should be moderated, 1 to 500 characters once trimmed.</summary>
    public string? Reason { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        RuleFor(r => r.Reason)
            .Must(t => !string.IsNullOrWhiteSpace(t)).WithMessage("reason must not be empty.")
            .Must(t => t is null || t.Trim().Length <= 500).WithMessage("reason must be at most 500 characters.");
    }
}

/// <param name="Status">flagged: still public and counted until an admin removes or restores it.</param>
/// <param name="FlaggedReason">The reason of the first flag; flagging again changes nothing.</param>
public sealed record Response(int Id, [OneOf("published", "flagged", "removed")] string Status, bool Flagged, string? FlaggedReason, DateTime? FlaggedAt);
