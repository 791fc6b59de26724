using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Listings.Publish;

public sealed class Endpoint(Db db, TimeProvider clock) : Endpoint<Request, ListingDetails>
{
    public override void Configure()
    {
        Post("listings/{id:int}/publish");
        Policies(Infrastructure.Policies.Provider);
        Description(d => d.ProducesProblemDetails(401).ProducesProblemDetails(403).ProducesProblemDetails(404).ProducesProblemDetails(409));
        Summary(s =>
        {
            s.Summary = "Publish a listing";
            s.Description = "draft or paused -> active (publishedAt set on the first publication). Needs a complete listing "
                + "(title, description, category, priceType and its price rule: 409 listing_incomplete) and an active provider "
                + "(409 provider_not_active, e.g. while Stripe onboarding is pending). Any other status: 409 invalid_transition.";
        });
    }

    public override async Task HandleAsync(Request r, CancellationToken ct)
    {
        var caller = HttpContext.CurrentUser();
        var providerId = ListingRules.ManagingProviderId(caller);
        var listing = await OwnedListing.GetAsync(db, r.Id, providerId, ct);
        if (!Data.PublishableFrom.Contains(listing.Status))
        {
            throw ApiProblem.InvalidTransition($"A listing that is {listing.Status} cannot be published; only draft or paused ones can.");
        }
        var missing = ListingRules.MissingForPublishing(listing.Title, listing.Description, listing.Category, listing.PriceType, listing.PriceCents);
        if (missing.Count > 0)
        {
            throw ListingRules.Incomplete(missing);
        }

        await db.InTransactionAsync(async c =>
        {
            // the provider before its listing (LockOrder): a booking of this listing takes them in the same order
            if (await LockOrder.ProviderAsync(db, providerId, c) != "active")
            {
                throw ApiProblem.Conflict("provider_not_active",
                    "Your provider account is not active yet (finish Stripe Connect onboarding); listings can be published once it is.");
            }
            if (await Data.PublishAsync(db, r.Id, listing.Status, clock.GetUtcNow().UtcDateTime, c) == 0)
            {
                throw ApiProblem.InvalidTransition("The listing's status changed meanwhile; read it again.");
            }
            await ListingCounters.MoveAsync(db, providerId, total: 0, active: +1, c);
            await Audit.WriteAsync(db, clock, new AuditEntry("listing", r.Id, "publish", listing.Status, "active", caller.Id, "provider"), c);
            await ResourceEvents.ListingAsync(db, clock, EventTypes.ListingPublished, r.Id, c);
        }, ct);
        await Send.OkAsync(await ListingDetails.LoadAsync(db, r.Id, ct) ?? throw ApiProblem.NotFound("listing"), ct);
    }
}
