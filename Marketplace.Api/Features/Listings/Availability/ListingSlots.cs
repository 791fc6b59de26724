using System.Text.Json;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Listings.Availability;

/// <summary>A listing's plan as stored, with the provider's time zone the plan is read in.</summary>
public sealed record StoredPlan(Plan Plan, TimeZoneInfo Zone, string TimeZoneId);

/// <summary>
/// Reads what <see cref="Slots.Compute"/> needs from the database: the plan, the exceptions and
/// the bookings that hold a seat. The timeslots read, the booking check and the browse filter share it.
/// </summary>
public static class ListingSlots
{
    /// <summary>Statuses whose booking holds its seat (requested and invoiced ones only until hold_until).</summary>
    public static readonly string[] HoldingStatuses = ["requested", "pending", "invoiced", "paid", "in_progress", "completed"];

    /// <summary>Statuses whose hold lapses at hold_until (the expiry job then moves them to expired).</summary>
    public static readonly string[] LapsingStatuses = ["requested", "invoiced"];

    public const string DefaultTimeZone = "America/New_York";

    public static Plan PlanOf(ListingAvailabilityRow row) => new(
        JsonSerializer.Deserialize<List<WeeklyPeriod>>(row.Weekly, JsonSerializerOptions.Web) ?? [],
        row.SlotMinutes, row.BufferMinutes, row.Seats, row.MinNoticeHours, row.MaxAdvanceDays);

    public static string WeeklyJson(IEnumerable<WeeklyPeriod> weekly) => JsonSerializer.Serialize(weekly, JsonSerializerOptions.Web);

    public static TimeZoneInfo Zone(string? id) =>
        id is not null && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : TimeZoneInfo.FindSystemTimeZoneById(DefaultTimeZone);

    /// <summary>The listing's plan and its provider's zone, or null when the listing has no plan (bookable without a time).</summary>
    public static async Task<StoredPlan?> PlanAsync(Db db, int listingId, CancellationToken ct)
    {
        var found = await (
            from a in db.ListingAvailability
            join l in db.Listings on a.ListingId equals l.Id
            join p in db.Providers on l.ProviderId equals p.Id
            where a.ListingId == listingId
            select new { a, p.TimeZone })
            .FirstOrDefaultAsync(ct);
        return found is null ? null : new StoredPlan(PlanOf(found.a), Zone(found.TimeZone), found.TimeZone ?? DefaultTimeZone);
    }

    /// <summary>The slots of the listing whose start lies in [from, to), with their seats left now.</summary>
    public static async Task<IReadOnlyList<Slot>> ComputeAsync(Db db, int listingId, StoredPlan stored, DateTime fromUtc, DateTime toUtc, DateTime nowUtc,
        CancellationToken ct)
    {
        // a slot starting before `to` ends at most one slot (plus buffers) later; holds and exceptions are read that wide
        var margin = TimeSpan.FromMinutes(stored.Plan.SlotMinutes + 2 * stored.Plan.BufferMinutes);
        var readFrom = fromUtc - margin;
        var readTo = toUtc + margin;
        var exceptions = await db.AvailabilityExceptions
            .Where(x => x.ListingId == listingId && x.StartAt < readTo && x.EndAt > readFrom)
            .Select(x => new PlanException(x.StartAt, x.EndAt, x.Seats))
            .ToListAsync(ct);
        var holds = await HoldsAsync(db, listingId, readFrom, readTo, nowUtc, ct);
        return Slots.Compute(stored.Plan, stored.Zone, exceptions, holds, fromUtc, toUtc, nowUtc);
    }

    /// <summary>The bookings of the listing that hold a seat now and overlap [from, to).</summary>
    public static Task<List<Hold>> HoldsAsync(Db db, int listingId, DateTime fromUtc, DateTime toUtc, DateTime nowUtc, CancellationToken ct) =>
        db.Transactions
            .Where(t => t.ListingId == listingId && t.RequestedStartAt != null
                && t.RequestedStartAt < toUtc && (t.RequestedEndAt ?? t.RequestedStartAt) >= fromUtc
                && HoldingStatuses.Contains(t.Status)
                && (t.HoldUntil == null || t.HoldUntil > nowUtc || !LapsingStatuses.Contains(t.Status)))
            .Select(t => new Hold(t.RequestedStartAt!.Value, t.RequestedEndAt ?? t.RequestedStartAt!.Value.AddMinutes(1)))
            .ToListAsync(ct);
}
