using LinqToDB;
using LinqToDB.Data;
using Marketplace.Api.Features.Listings.Availability;

namespace Marketplace.Api.Features.Listings.Browse;

/// <summary>
/// GET /listings?availableFrom=&amp;availableTo=: listings with at least one slot that can be booked
/// now and starts in [availableFrom, availableTo). A listing without an availability plan is booked
/// without a time (README "Availability") and always passes. One with a plan passes when a row of
/// <see cref="FreeDays"/> (primary key listing_id, day_start: an index probe per candidate listing)
/// has a free start in the range that also respects the plan's notice (no sooner than now +
/// minNoticeHours) and advance limit (no later than now + maxAdvanceDays), applied here because
/// they move with the clock.
/// </summary>
public static class AvailabilityFilter
{
    public const int MaxRangeDays = 14;

    public const string Clause = """
        (NOT EXISTS (SELECT 1 FROM marketplace.listing_availability a0 WHERE a0.listing_id = l.id)
               OR EXISTS (SELECT 1
                            FROM marketplace.listing_availability a
                            JOIN marketplace.listing_free_days f ON f.listing_id = a.listing_id
                           WHERE a.listing_id = l.id
                             AND f.day_start >= :available_from_day AND f.day_start < :available_to
                             AND EXISTS (SELECT 1 FROM unnest(f.free_seconds) AS s(second)
                                          WHERE f.day_start + s.second * interval '1 second'
                                                  >= greatest(:available_from, :available_now + a.min_notice_hours * interval '1 hour')
                                            AND f.day_start + s.second * interval '1 second' < :available_to
                                            AND f.day_start + s.second * interval '1 second' <= :available_now + a.max_advance_days * interval '1 day')))
        """;

    public static IEnumerable<DataParameter> Parameters(DateTime fromUtc, DateTime toUtc, DateTime nowUtc) =>
    [
        new("available_from", fromUtc, DataType.DateTimeOffset),
        new("available_from_day", DateTime.SpecifyKind(fromUtc.Date, DateTimeKind.Utc), DataType.DateTimeOffset),
        new("available_to", toUtc, DataType.DateTimeOffset),
        new("available_now", nowUtc, DataType.DateTimeOffset),
    ];
}
