using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Listings.Pause;

public sealed class Endpoint(Db db, TimeProvider clock) : Endpoint<Request, ListingDetails>
{
    public override void Configure()
    {
        Post("listings/{id:int}/pause");
        Policies(Infrastructure.Policies.Provider);
        Description(d => d.ProducesProblemDetails(401).ProducesProblemDetails(403).ProducesProblemDetails(404).ProducesProblemDetails(409));
        Summary(s =>
        {
            s.Summary = "Pause a listing";
            s.Description = "active -> paused: the listing leaves the public reads until it is published again. "
                + "Any other status: 409 invalid_transition.";
        });
    }

    public override async Task HandleAsync(Request r, CancellationToken ct)
    {
        var caller = HttpContext.CurrentUser();
        var providerId = ListingRules.ManagingProviderId(caller);
        var listing = await OwnedListing.GetAsync(db, r.Id, providerId, ct);

        await db.InTransactionAsync(async c =>
        {
            // the provider before its listing (LockOrder): a booking of this listing takes them in the same order
            await LockOrder.ProviderAsync(db, providerId, c);
            if (await Data.PauseAsync(db, r.Id, providerId, clock.GetUtcNow().UtcDateTime, c) == 0)
            {
                throw ApiProblem.InvalidTransition($"A listing that is {listing.Status} cannot be paused; only active ones can.");
            }
            await ListingCounters.MoveAsync(db, providerId, total: 0, active: -1, c);
            await Audit.WriteAsync(db, clock, new AuditEntry("listing", r.Id, "pause", "active", "paused", caller.Id, "provider"), c);
            await ResourceEvents.ListingAsync(db, clock, EventTypes.ListingPaused, r.Id, c);
        }, ct);
        await Send.OkAsync(await ListingDetails.LoadAsync(db, r.Id, ct) ?? throw ApiProblem.NotFound("listing"), ct);
    }
}
