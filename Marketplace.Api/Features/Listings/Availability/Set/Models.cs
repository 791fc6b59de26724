using FastEndpoints;
using FluentValidation;

namespace Marketplace.Api.Features.Listings.Availability.Set;

/// <summary>The whole plan (PUT replaces it).</summary>
public sealed record Request
{
    /// <summary>The listing (route).</summary>
    public int Id { get; init; }

    /// <summary>Weekly opening periods, local time of the provider's time zone; day is mon..sun, start and end HH:mm (end may be 24:00).</summary>
    public IReadOnlyList<WeeklyPeriod>? Weekly { get; init; }

    /// <summary>Length of one slot in minutes (5-1440).</summary>
    public int? SlotMinutes { get; init; }

    /// <summary>Minutes between two slots (0-1440, default 0).</summary>
    public int BufferMinutes { get; init; }

    /// <summary>Bookings one slot takes (1-1000, default 1).</summary>
    public int Seats { get; init; } = 1;

    /// <summary>Hours of notice a booking needs (0-8760, default 0).</summary>
    public int MinNoticeHours { get; init; }

    /// <summary>Days ahead a slot can be booked (1-730, default 90).</summary>
    public int MaxAdvanceDays { get; init; } = 90;
}

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        RuleFor(r => r.Weekly).ValidWeek();
        RuleFor(r => r.SlotMinutes).NotNull().InclusiveBetween(5, 1440);
        RuleFor(r => r.BufferMinutes).InclusiveBetween(0, 1440);
        RuleFor(r => r.Seats).InclusiveBetween(1, 1000);
        RuleFor(r => r.MinNoticeHours).InclusiveBetween(0, 8760);
        RuleFor(r => r.MaxAdvanceDays).InclusiveBetween(1, 730);
    }
}
