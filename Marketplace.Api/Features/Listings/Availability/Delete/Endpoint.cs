using FastEndpoints;
using LinqToDB;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Listings.Availability.Delete;

public sealed class Endpoint(Db db, TimeProvider clock) : Endpoint<Request>
{
    public override void Configure()
    {
        Delete("listings/{id:int}/availability");
        Policies(Infrastructure.Policies.Provider);
        Description(d => d.ClearDefaultProduces(200).Produces(204).ProducesProblemDetails(401).ProducesProblemDetails(403).ProducesProblemDetails(404));
        Summary(s =>
        {
            s.Summary = "Remove a listing's availability plan";
            s.Description = "The listing is bookable without a time again (as before it had a plan); its exceptions go with the plan. "
                + "404 not_found when the listing is not the caller's or has no plan.";
            s.Responses[204] = "Removed.";
        });
    }

    public override async Task HandleAsync(Request r, CancellationToken ct)
    {
        var caller = HttpContext.CurrentUser();
        var providerId = ListingRules.ManagingProviderId(caller);
        await OwnedListing.GetAsync(db, r.Id, providerId, ct);
        await db.InTransactionAsync(async c =>
        {
            await LockOrder.ProviderAsync(db, providerId, c);
            await LockOrder.ListingAsync(db, r.Id, c);
            if (await db.ListingAvailability.Where(a => a.ListingId == r.Id).DeleteAsync(c) == 0)
            {
                throw ApiProblem.NotFound("availability");
            }
            await db.AvailabilityExceptions.Where(x => x.ListingId == r.Id).DeleteAsync(c);
            await FreeDays.RefreshAsync(db, r.Id, clock.GetUtcNow().UtcDateTime, c);
            await Audit.WriteAsync(db, clock, new AuditEntry("listing", r.Id, "availability_removed", null, null, caller.Id, "provider"), c);
            await DomainEvents.AppendAsync(db, clock, new DomainEvent(EventTypes.ListingAvailabilityChanged, "listing",
                r.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), new { listingId = r.Id, removed = true }, [caller.Id]), c);
        }, ct);
        await Send.NoContentAsync(ct);
    }
}
