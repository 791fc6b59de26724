using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Listings.Availability;

/// <summary>An exception to a listing's plan.</summary>
public sealed record ExceptionView
{
    /// <summary>The exception's id.</summary>
    public required long Id { get; init; }

    /// <summary>Start (UTC).</summary>
    public required DateTime Start { get; init; }

    /// <summary>End, exclusive (UTC).</summary>
    public required DateTime End { get; init; }

    /// <summary>0: closed (a holiday); more: open with this capacity, also outside the plan.</summary>
    public required int Seats { get; init; }

    /// <summary>When it was added.</summary>
    public required DateTime CreatedAt { get; init; }

    public static ExceptionView From(AvailabilityExceptionRow row) =>
        new() { Id = row.Id, Start = row.StartAt, End = row.EndAt, Seats = row.Seats, CreatedAt = row.CreatedAt };
}
