using FastEndpoints;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Listings.Availability.Timeslots;

public sealed class Endpoint(ReadDb reads, TimeProvider clock) : Endpoint<Request, Response>
{
    public override void Configure()
    {
        Get("listings/{slug}/timeslots");
        AllowAnonymous();
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(404));
        Summary(s =>
        {
            s.Summary = "List a listing's bookable time slots";
            s.Description = "The slots starting in [start, end) (at most 90 days) that can be booked now: the weekly plan in the "
                + "provider's time zone, its exceptions, buffers, minimum notice and advance limit, minus the seats held by bookings. "
                + "Public for active listings of active providers; the owner also sees its other listings. Times are UTC.";
            s.Responses[200] = "The slots, and the listing's time zone.";
        });
    }

    public override async Task HandleAsync(Request r, CancellationToken ct) =>
        await Send.OkAsync(await reads.QueryAsync(db => SlotsAsync(db, r, ct)) ?? throw ApiProblem.NotFound("listing"), ct);

    private async Task<Response?> SlotsAsync(Db db, Request r, CancellationToken ct)
    {
        var found = await (
            from l in db.Listings
            join p in db.Providers on l.ProviderId equals p.Id
            where l.Slug == r.Slug && l.DeletedAt == null
            select new { l.Id, l.ProviderId, l.Status, ProviderStatus = p.Status, ProviderDeleted = p.DeletedAt != null, p.TimeZone })
            .FirstOrDefaultAsync(ct);
        var owner = found is not null && HttpContext.OptionalUser()?.ProviderId == found.ProviderId;
        if (found is null || (!owner && !(found.Status == "active" && found.ProviderStatus == "active" && !found.ProviderDeleted)))
        {
            return null;
        }

        var stored = await ListingSlots.PlanAsync(db, found.Id, ct);
        var timeZone = found.TimeZone ?? ListingSlots.DefaultTimeZone;
        if (stored is null)
        {
            return new Response { TimeZone = timeZone, Scheduled = false, Items = [] };
        }
        var slots = await ListingSlots.ComputeAsync(db, found.Id, stored, r.Start!.Value.ToUniversalTime(), r.End!.Value.ToUniversalTime(),
            clock.GetUtcNow().UtcDateTime, ct);
        return new Response
        {
            TimeZone = stored.TimeZoneId,
            Scheduled = true,
            Items = slots.Where(s => s.SeatsLeft > 0).Select(s => new TimeslotView { Start = s.Start, End = s.End, SeatsLeft = s.SeatsLeft }).ToList(),
        };
    }
}
