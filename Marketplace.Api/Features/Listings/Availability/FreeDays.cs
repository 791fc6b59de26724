using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Listings.Availability;

/// <summary>
/// The browse filter's index of free slots (<c>listing_free_days</c>): per listing with a plan and
/// per UTC day of the next <see cref="HorizonDays"/> days, the start times (seconds after midnight) of the slots that have
/// a seat left, computed by <see cref="Slots.Compute"/> (through <see cref="ListingSlots"/>) with
/// the notice and advance limits switched off; GET /listings applies those at query time, so the
/// rows do not age as the clock moves.
/// <para><b>Kept exact in the writer's transaction.</b> Every write that changes a listing's free
/// slots calls <c>RefreshAsync</c> as its last locking step: a plan set or removed, an
/// exception added or removed, a booking that takes a seat, a booking that gives one back (cancel,
/// decline, expiry, void, refund), a provider's time zone change. The refresh takes a
/// transaction-level advisory lock of the listing first, so the refreshes of one listing run one at
/// a time, each reading (in a statement that starts after the lock was granted) every change
/// committed before it plus its own: the last one to commit wrote what the data says. The lock is
/// taken after every row lock of <see cref="LockOrder"/> and nothing but these rows is written
/// under it, so it cannot close a cycle. Listing and provider status are not in the rows: browse
/// filters them itself.</para>
/// <para>Requested and invoiced bookings count as holding until the expiry job moves them (it
/// refreshes then), a few seconds after their hold lapsed: meanwhile the filter may leave a listing
/// out that the timeslots read already shows free, never the other way round.</para>
/// </summary>
public static class FreeDays
{
    /// <summary>Days ahead (from today's UTC midnight) that the rows cover; GET /listings?availableTo= cannot go further.</summary>
    public const int HorizonDays = 60;

    /// <summary>First key of the two-key advisory lock of a listing's rows (the two-int key space is apart from the one-bigint locks used elsewhere).</summary>
    private const int LockClass = 0x46524545; // "FREE"

    /// <summary>Recomputes every day of the horizon (a plan set or removed, a new listing, the daily roll).</summary>
    public static Task RefreshAsync(Db db, int listingId, DateTime nowUtc, CancellationToken ct) =>
        RefreshAsync(db, listingId, null, null, nowUtc, ct);

    /// <summary>Recomputes the days whose free slots a change over [fromUtc, toUtc) can move (the whole horizon when null).</summary>
    public static async Task RefreshAsync(Db db, int listingId, DateTime? fromUtc, DateTime? toUtc, DateTime nowUtc, CancellationToken ct)
    {
        await Pg.ExecuteAsync(db, "SELECT pg_advisory_xact_lock($1, $2)", ct, Pg.P(LockClass), Pg.P(listingId));
        var stored = await ListingSlots.PlanAsync(db, listingId, ct);
        var whole = fromUtc is null || toUtc is null;
        if (stored is null && !whole)
        {
            return; // rows exist only with a plan, and removing a plan refreshes the whole listing
        }
        if (stored is null)
        {
            await Pg.ExecuteAsync(db, "DELETE FROM marketplace.listing_free_days WHERE listing_id = $1", ct, Pg.P(listingId));
            await Pg.ExecuteAsync(db, "DELETE FROM marketplace.listing_free_day_horizon WHERE listing_id = $1", ct, Pg.P(listingId));
            return;
        }

        var today = DateTime.SpecifyKind(nowUtc.Date, DateTimeKind.Utc);
        var horizonEnd = today.AddDays(HorizonDays + 1);
        // a slot within one slot and two buffers of a changed period can change with it
        var margin = TimeSpan.FromMinutes(stored.Plan.SlotMinutes + 2 * stored.Plan.BufferMinutes);
        var from = whole ? today : Max(today, DateTime.SpecifyKind((fromUtc!.Value - margin).Date, DateTimeKind.Utc));
        var to = whole ? horizonEnd : Min(horizonEnd, DateTime.SpecifyKind((toUtc!.Value + margin).Date, DateTimeKind.Utc).AddDays(1));
        if (from >= to)
        {
            return;
        }

        var unlimited = stored with { Plan = stored.Plan with { MinNoticeHours = 0, MaxAdvanceDays = HorizonDays + 2 } };
        var slots = await ListingSlots.ComputeAsync(db, listingId, unlimited, from, to, nowUtc, ct);
        var days = slots.Where(s => s.SeatsLeft > 0)
            .GroupBy(s => DateTime.SpecifyKind(s.Start.Date, DateTimeKind.Utc))
            .Select(g => (Day: g.Key, Seconds: g.Select(s => (int)(s.Start - g.Key).TotalSeconds).Distinct().Order().ToArray()))
            .ToList();

        if (whole)
        {
            await Pg.ExecuteAsync(db, "DELETE FROM marketplace.listing_free_days WHERE listing_id = $1", ct, Pg.P(listingId));
        }
        else
        {
            await Pg.ExecuteAsync(db, "DELETE FROM marketplace.listing_free_days WHERE listing_id = $1 AND day_start >= $2 AND day_start < $3", ct,
                Pg.P(listingId), Pg.P(from), Pg.P(to));
        }
        if (days.Count > 0)
        {
            await Pg.ExecuteAsync(db, Pg.InsertRows("INSERT INTO marketplace.listing_free_days (listing_id, day_start, free_seconds)", days,
                d => [Pg.P(listingId), Pg.P(d.Day), Pg.P(d.Seconds)]), ct);
        }
        if (whole)
        {
            await Pg.ExecuteAsync(db, """
                INSERT INTO marketplace.listing_free_day_horizon (listing_id, covered_until) VALUES ($1, $2)
                ON CONFLICT (listing_id) DO UPDATE SET covered_until = excluded.covered_until
                """, ct, Pg.P(listingId), Pg.P(horizonEnd));
        }
    }

    /// <summary>Refreshes every listing of the provider that has a plan (its time zone moved every local time), in id order.</summary>
    public static async Task RefreshProviderAsync(Db db, int providerId, DateTime nowUtc, CancellationToken ct)
    {
        var ids = await Pg.QueryAsync(db, """
            SELECT a.listing_id FROM marketplace.listing_availability a
              JOIN marketplace.service_listings l ON l.id = a.listing_id
             WHERE l.provider_id = $1 ORDER BY a.listing_id
            """, r => r.GetInt32(0), ct, Pg.P(providerId));
        foreach (var id in ids)
        {
            await RefreshAsync(db, id, nowUtc, ct);
        }
    }

    /// <summary>Refreshes the days around one booking's slot (it took or gave back a seat); nothing for a booking without a time.</summary>
    public static Task RefreshBookingAsync(Db db, int listingId, DateTime? startUtc, DateTime? endUtc, DateTime nowUtc, CancellationToken ct) =>
        startUtc is { } start ? RefreshAsync(db, listingId, start, endUtc ?? start, nowUtc, ct) : Task.CompletedTask;

    /// <summary>The same for a booking row (released by cancel, decline, expiry, void or refund).</summary>
    public static Task RefreshBookingAsync(Db db, TransactionRow booking, DateTime nowUtc, CancellationToken ct) =>
        booking.ListingId is { } listingId ? RefreshBookingAsync(db, listingId, booking.RequestedStartAt, booking.RequestedEndAt, nowUtc, ct) : Task.CompletedTask;

    private static DateTime Max(DateTime a, DateTime b) => a > b ? a : b;

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;
}
