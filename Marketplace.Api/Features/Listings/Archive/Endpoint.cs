using System.Globalization;
using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Listings.Archive;

public sealed class Endpoint(Db db, TimeProvider clock) : Endpoint<Request, ListingDetails>
{
    public override void Configure()
    {
        Post("listings/{id:int}/archive");
        Policies(Infrastructure.Policies.Provider);
        Description(d => d.ProducesProblemDetails(401).ProducesProblemDetails(403).ProducesProblemDetails(404).ProducesProblemDetails(409));
        Summary(s =>
        {
            s.Summary = "Archive a listing";
            s.Description = "draft, active or paused -> archived, for good: the listing leaves every public read and can no longer be "
                + "published, paused or edited, but it is kept (with its bookings and reviews) for history and still counts in "
                + "totalListings. Archiving an archived listing: 409 invalid_transition.";
            s.ExampleRequest = new Request { Id = 12 };
        });
    }

    public override async Task HandleAsync(Request r, CancellationToken ct)
    {
        var caller = HttpContext.CurrentUser();
        var providerId = ListingRules.ManagingProviderId(caller);
        var listing = await OwnedListing.GetAsync(db, r.Id, providerId, ct);

        await db.InTransactionAsync(async c =>
        {
            await LockOrder.ProviderAsync(db, providerId, c);
            var from = await LockOrder.ListingAsync(db, r.Id, c);
            if (await Data.ArchiveAsync(db, r.Id, providerId, c) == 0)
            {
                throw ApiProblem.InvalidTransition($"A listing that is {from ?? listing.Status} cannot be archived again; archiving is final.");
            }
            await ListingCounters.MoveAsync(db, providerId, total: 0, active: from == "active" ? -1 : 0, c);
            await Audit.WriteAsync(db, clock, new AuditEntry("listing", r.Id, "archive", from, "archived", caller.Id, "provider"), c);
            await DomainEvents.AppendAsync(db, clock, new DomainEvent(EventTypes.ListingArchived, "listing", r.Id.ToString(CultureInfo.InvariantCulture),
                await ListingDetails.LoadAsync(db, r.Id, c) ?? (object)new { id = r.Id }, [caller.Id]), c);
        }, ct);
        await Send.OkAsync(await ListingDetails.LoadAsync(db, r.Id, ct) ?? throw ApiProblem.NotFound("listing"), ct);
    }
}
