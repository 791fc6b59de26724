using FluentValidation;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Listings.Availability;

/// <summary>A listing's availability plan, as its owner reads and writes it.</summary>
public sealed record AvailabilityView
{
    /// <summary>The listing.</summary>
    public required int ListingId { get; init; }

    /// <summary>The provider's IANA time zone, in which the weekly periods are read.</summary>
    public required string TimeZone { get; init; }

    /// <summary>Weekly opening periods (local time).</summary>
    public required IReadOnlyList<WeeklyPeriod> Weekly { get; init; }

    /// <summary>Length of one slot in minutes.</summary>
    public required int SlotMinutes { get; init; }

    /// <summary>Minutes between two slots (and kept free around each booking).</summary>
    public required int BufferMinutes { get; init; }

    /// <summary>Bookings one slot takes (capacity).</summary>
    public required int Seats { get; init; }

    /// <summary>A slot can be booked at least this many hours ahead.</summary>
    public required int MinNoticeHours { get; init; }

    /// <summary>A slot can be booked at most this many days ahead.</summary>
    public required int MaxAdvanceDays { get; init; }

    /// <summary>When the plan last changed.</summary>
    public required DateTime UpdatedAt { get; init; }

    public static AvailabilityView From(ListingAvailabilityRow row, string timeZone)
    {
        var plan = ListingSlots.PlanOf(row);
        return new AvailabilityView
        {
            ListingId = row.ListingId,
            TimeZone = timeZone,
            Weekly = plan.Weekly,
            SlotMinutes = row.SlotMinutes,
            BufferMinutes = row.BufferMinutes,
            Seats = row.Seats,
            MinNoticeHours = row.MinNoticeHours,
            MaxAdvanceDays = row.MaxAdvanceDays,
            UpdatedAt = row.UpdatedAt,
        };
    }
}

/// <summary>The shape rules of a weekly plan, shared by the plan's writers.</summary>
public static class PlanRules
{
    public const int MaxPeriods = 42;

    /// <summary>Why these periods are not a valid week, or null when they are.</summary>
    public static string? Problem(IReadOnlyList<WeeklyPeriod>? weekly)
    {
        if (weekly is null)
        {
            return "Give the weekly periods (an empty list closes every day).";
        }
        if (weekly.Count > MaxPeriods)
        {
            return $"At most {MaxPeriods} weekly periods.";
        }
        foreach (var p in weekly)
        {
            if (p is null || !Slots.Days.Contains(p.Day, StringComparer.Ordinal))
            {
                return $"day must be one of {string.Join(", ", Slots.Days)}.";
            }
            if (Slots.TryMinutes(p.Start) is not { } start || start == 24 * 60 || Slots.TryMinutes(p.End) is not { } end)
            {
                return $"{p.Day}: start and end are times as HH:mm (00:00 to 24:00).";
            }
            if (start >= end)
            {
                return $"{p.Day}: each period starts before it ends ({p.Start} - {p.End}).";
            }
        }
        foreach (var day in weekly.GroupBy(p => p.Day))
        {
            var ordered = day.OrderBy(p => Slots.TryMinutes(p.Start)).ToList();
            for (var i = 1; i < ordered.Count; i++)
            {
                if (Slots.TryMinutes(ordered[i].Start) < Slots.TryMinutes(ordered[i - 1].End))
                {
                    return $"{day.Key}: periods overlap.";
                }
            }
        }
        return null;
    }

    public static IRuleBuilderOptions<T, IReadOnlyList<WeeklyPeriod>?> ValidWeek<T>(this IRuleBuilder<T, IReadOnlyList<WeeklyPeriod>?> rule) =>
        rule.Must(w => Problem(w) is null).WithMessage((_, w) => Problem(w)!);
}
