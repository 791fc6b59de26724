using FastEndpoints;
using FluentValidation;

namespace Marketplace.Api.Features.Listings.Availability.Timeslots;

public sealed record Request
{
    /// <summary>The listing's slug (route).</summary>
    public string Slug { get; init; } = "";

    /// <summary>First instant of the range (UTC, ISO-8601).</summary>
    [QueryParam] public DateTime? Start { get; init; }

    /// <summary>End of the range, exclusive (UTC, ISO-8601); at most 90 days after start.</summary>
    [QueryParam] public DateTime? End { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public const int MaxRangeDays = 90;

    public Validator()
    {
        RuleFor(r => r.Slug).NotEmpty().MaximumLength(255);
        RuleFor(r => r.Start).NotNull();
        RuleFor(r => r.End).NotNull();
        RuleFor(r => r.End).GreaterThan(r => r.Start).When(r => r.Start is not null && r.End is not null).WithMessage("end must be after start.");
        RuleFor(r => r.End).Must((r, end) => end!.Value.ToUniversalTime() - r.Start!.Value.ToUniversalTime() <= TimeSpan.FromDays(MaxRangeDays))
            .When(r => r.Start is not null && r.End is not null).WithMessage($"The range is at most {MaxRangeDays} days.");
    }
}

/// <summary>The bookable slots of a listing in a range.</summary>
public sealed record Response
{
    /// <summary>The listing's (its provider's) IANA time zone, for showing the slots in local time.</summary>
    public required string TimeZone { get; init; }

    /// <summary>False when the listing has no availability plan: it is then booked without a time and items is empty.</summary>
    public required bool Scheduled { get; init; }

    /// <summary>The slots with at least one seat left, in start order.</summary>
    public required IReadOnlyList<TimeslotView> Items { get; init; }
}

/// <summary>One bookable slot.</summary>
public sealed record TimeslotView
{
    /// <summary>Start (UTC); book it as requestedStartAt.</summary>
    public required DateTime Start { get; init; }

    /// <summary>End (UTC); book it as requestedEndAt.</summary>
    public required DateTime End { get; init; }

    /// <summary>Bookings the slot still takes.</summary>
    public required int SeatsLeft { get; init; }
}
