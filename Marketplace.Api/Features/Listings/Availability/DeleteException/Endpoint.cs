using System.Globalization;
using FastEndpoints;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Listings.Availability.DeleteException;

public sealed class Endpoint(Db db, TimeProvider clock) : Endpoint<Request>
{
    public override void Configure()
    {
        Delete("listings/{id:int}/availability/exceptions/{exceptionId:long}");
        Policies(Infrastructure.Policies.Provider);
        Description(d => d.ClearDefaultProduces(200).Produces(204).ProducesProblemDetails(401).ProducesProblemDetails(403).ProducesProblemDetails(404));
        Summary(s =>
        {
            s.Summary = "Remove an exception from a listing's plan";
            s.Description = "The plan applies again over the exception's period. Owner only; 404 not_found for another's listing or an unknown exception.";
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
            var removed = await db.AvailabilityExceptions.Where(x => x.Id == r.ExceptionId && x.ListingId == r.Id)
                .Select(x => new { x.StartAt, x.EndAt }).FirstOrDefaultAsync(c) ?? throw ApiProblem.NotFound("exception");
            await db.AvailabilityExceptions.Where(x => x.Id == r.ExceptionId).DeleteAsync(c);
            await FreeDays.RefreshAsync(db, r.Id, removed.StartAt, removed.EndAt, clock.GetUtcNow().UtcDateTime, c);
            await Audit.WriteAsync(db, clock, new AuditEntry("listing", r.Id, "availability_exception_removed", null, null, caller.Id, "provider",
                new { exceptionId = r.ExceptionId }), c);
            await DomainEvents.AppendAsync(db, clock, new DomainEvent(EventTypes.ListingAvailabilityChanged, "listing", r.Id.ToString(CultureInfo.InvariantCulture),
                new { listingId = r.Id, exceptionRemoved = r.ExceptionId }, [caller.Id]), c);
        }, ct);
        await Send.NoContentAsync(ct);
    }
}
