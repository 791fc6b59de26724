using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Listings.Delete;

public sealed class Endpoint(Db db, TimeProvider clock) : Endpoint<Request>
{
    private const int Attempts = 3;

    public override void Configure()
    {
        Delete("listings/{id:int}");
        Policies(Infrastructure.Policies.Provider);
        Description(d => d.ClearDefaultProduces(200).Produces(204)
            .ProducesProblemDetails(401).ProducesProblemDetails(403).ProducesProblemDetails(404).ProducesProblemDetails(409));
        Summary(s =>
        {
            s.Summary = "Delete a listing";
            s.Description = "Soft-deletes one of the caller's listings (deletedAt; anyone else's is 404). Idempotent: deleting a "
                + "deleted listing answers 204 again. It disappears from every read; saved copies stay but are hidden.";
        });
    }

    public override async Task HandleAsync(Request r, CancellationToken ct)
    {
        var caller = HttpContext.CurrentUser();
        var providerId = ListingRules.ManagingProviderId(caller);
        for (var attempt = 1; attempt <= Attempts; attempt++)
        {
            var listing = await Data.GetAsync(db, r.Id, providerId, ct) ?? throw ApiProblem.NotFound("listing");
            if (listing.Deleted)
            {
                await Send.NoContentAsync(ct);
                return;
            }
            var deleted = await db.InTransactionAsync(async c =>
            {
                // the provider before its listing (LockOrder): a booking of this listing takes them in the same order
                await LockOrder.ProviderAsync(db, providerId, c);
                var before = await ListingDetails.LoadAsync(db, r.Id, c);
                if (before is null || await Data.SoftDeleteAsync(db, r.Id, listing.Status, clock.GetUtcNow().UtcDateTime, c) == 0)
                {
                    return false;
                }
                await ListingCounters.MoveAsync(db, providerId, total: -1, active: listing.Status == "active" ? -1 : 0, c);
                await Audit.WriteAsync(db, clock, new AuditEntry("listing", r.Id, "delete", listing.Status, null, caller.Id, "provider"), c);
                await ResourceEvents.ListingAsync(db, clock, EventTypes.ListingDeleted, r.Id, c, asBefore: before);
                return true;
            }, ct);
            if (deleted)
            {
                await Send.NoContentAsync(ct);
                return;
            }
            // its status changed (or another delete won) since it was read: read it again
        }
        throw ApiProblem.Conflict("concurrent_change", "The listing is changing; retry.");
    }
}
