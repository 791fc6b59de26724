using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Listings.Availability;

/// <summary>
/// The booking side of availability: a booking of a listing with a plan names one slot with a
/// seat left. Called by the booking's database transaction after it locked the listing
/// (<see cref="LockOrder"/>): every booking of one listing queues on that row lock, so the seats
/// it counts (committed bookings, read by a statement that starts after the lock was granted)
/// are all the seats taken, and of N concurrent bookings of a slot with S seats exactly S pass.
/// </summary>
public static class SlotCheck
{
    public static async Task EnsureBookableAsync(Db db, int listingId, DateTime? startUtc, DateTime? endUtc, DateTime nowUtc, CancellationToken ct)
    {
        var stored = await ListingSlots.PlanAsync(db, listingId, ct);
        if (stored is null)
        {
            return;
        }
        if (startUtc is not { } start || endUtc is not { } end)
        {
            throw ApiProblem.BadRequest("validation_failed", "This listing is booked by the slot: give requestedStartAt and requestedEndAt.");
        }
        var slots = await ListingSlots.ComputeAsync(db, listingId, stored, start, start.AddTicks(1), nowUtc, ct);
        var slot = slots.FirstOrDefault(s => s.Start == start && s.End == end);
        if (slot is null)
        {
            throw ApiProblem.Conflict("slot_unavailable", "requestedStartAt/requestedEndAt is not a slot of this listing that can be booked now (see GET /listings/{slug}/timeslots).");
        }
        if (slot.SeatsLeft <= 0)
        {
            throw ApiProblem.Conflict("slot_unavailable", "This slot is fully booked; choose another one.");
        }
    }
}
