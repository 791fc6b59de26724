using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Providers;

namespace Marketplace.Api.Features.Listings.Availability;

/// <summary>A new hourly listing starts with a plan made of its provider's business hours (one-hour slots, one seat).</summary>
public static class DefaultPlan
{
    public static async Task FromBusinessHoursAsync(Db db, int listingId, int providerId, DateTime now, CancellationToken ct)
    {
        var json = await db.Providers.Where(p => p.Id == providerId).Select(p => p.BusinessHours).FirstOrDefaultAsync(ct);
        if (BusinessHours.FromJson(json) is not { Count: > 0 } hours)
        {
            return;
        }
        var weekly = BusinessHours.Days.Where(hours.ContainsKey)
            .SelectMany(d => hours[d].Select(p => new WeeklyPeriod(d, p.Open, p.Close)))
            .ToList();
        await db.InsertAsync(new ListingAvailabilityRow
        {
            ListingId = listingId,
            Weekly = ListingSlots.WeeklyJson(weekly),
            SlotMinutes = 60,
            BufferMinutes = 0,
            Seats = 1,
            MinNoticeHours = 0,
            MaxAdvanceDays = 90,
            UpdatedAt = now,
        }, token: ct);
        await FreeDays.RefreshAsync(db, listingId, now, ct);
    }
}
