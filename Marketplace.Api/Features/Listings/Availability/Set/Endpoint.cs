using FastEndpoints;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Listings.Availability.Set;

public sealed class Endpoint(Db db, TimeProvider clock) : Endpoint<Request, AvailabilityView>
{
    public override void Configure()
    {
        Put("listings/{id:int}/availability");
        Policies(Infrastructure.Policies.Provider);
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(403).ProducesProblemDetails(404));
        Summary(s =>
        {
            s.Summary = "Set a listing's availability plan";
            s.Description = "Replaces the listing's plan: weekly periods in the provider's time zone, cut into slots of slotMinutes, "
                + "bufferMinutes apart, each taking seats bookings. Once a listing has a plan, every booking of it names a slot "
                + "(requestedStartAt/requestedEndAt); bookings already made keep their times. Owner only (404 otherwise).";
            s.ExampleRequest = new Request
            {
                Weekly = [new WeeklyPeriod("mon", "09:00", "17:00"), new WeeklyPeriod("tue", "09:00", "12:00")],
                SlotMinutes = 60, BufferMinutes = 15, Seats = 1, MinNoticeHours = 12, MaxAdvanceDays = 60,
            };
            s.Responses[200] = "The plan as stored.";
        });
    }

    public override async Task HandleAsync(Request r, CancellationToken ct)
    {
        var caller = HttpContext.CurrentUser();
        var providerId = ListingRules.ManagingProviderId(caller);
        await OwnedListing.GetAsync(db, r.Id, providerId, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var row = new ListingAvailabilityRow
        {
            ListingId = r.Id,
            Weekly = ListingSlots.WeeklyJson(r.Weekly!),
            SlotMinutes = r.SlotMinutes!.Value,
            BufferMinutes = r.BufferMinutes,
            Seats = r.Seats,
            MinNoticeHours = r.MinNoticeHours,
            MaxAdvanceDays = r.MaxAdvanceDays,
            UpdatedAt = now,
        };

        var view = await db.InTransactionAsync(async c =>
        {
            // provider, then listing (LockOrder): a booking of the listing checks its slot under the same listing lock
            await LockOrder.ProviderAsync(db, providerId, c);
            if (await LockOrder.ListingAsync(db, r.Id, c) is null)
            {
                throw ApiProblem.NotFound("listing");
            }
            await db.InsertOrReplaceAsync(row, token: c);
            await FreeDays.RefreshAsync(db, r.Id, now, c);
            var timeZone = await db.Providers.Where(p => p.Id == providerId).Select(p => p.TimeZone).FirstAsync(c) ?? ListingSlots.DefaultTimeZone;
            var view = AvailabilityView.From(row, timeZone);
            await Audit.WriteAsync(db, clock, new AuditEntry("listing", r.Id, "availability_set", null, null, caller.Id, "provider", view), c);
            await DomainEvents.AppendAsync(db, clock, new DomainEvent(EventTypes.ListingAvailabilityChanged, "listing", r.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                view, [caller.Id]), c);
            return view;
        }, ct);
        await Send.OkAsync(view, ct);
    }
}
