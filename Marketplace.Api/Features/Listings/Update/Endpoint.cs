using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Listings.Update;

public sealed class Endpoint(Db db, TimeProvider clock) : Endpoint<Request, ListingDetails>
{
    public override void Configure()
    {
        Patch("listings/{id:int}");
        Policies(Infrastructure.Policies.Provider);
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(403)
            .ProducesProblemDetails(404).ProducesProblemDetails(409));
        Summary(s =>
        {
            s.Summary = "Update a listing";
            s.Description = "Partial update of one of the caller's listings (anyone else's is 404): an absent field is unchanged, "
                + "an explicit null clears a nullable field (title and category cannot be cleared). The price rules apply to the "
                + "result (400). An active listing must stay complete (409 listing_incomplete). The slug never changes. An archived listing cannot be edited (409 invalid_transition).";
        });
    }

    public override async Task HandleAsync(Request r, CancellationToken ct)
    {
        var providerId = ListingRules.ManagingProviderId(HttpContext.CurrentUser());
        var current = await OwnedListing.GetAsync(db, r.Id, providerId, ct);
        if (current.Status == "archived")
        {
            throw ApiProblem.InvalidTransition("An archived listing is kept for history and can no longer be edited.");
        }

        var priceType = r.Has(nameof(r.PriceType)) ? r.PriceType : current.PriceType;
        var priceCents = r.Has(nameof(r.PriceCents)) ? r.PriceCents : current.PriceCents;
        if (ListingRules.PriceProblem(priceType, priceCents) is { } problem)
        {
            ValidationFailures.Add(new FluentValidation.Results.ValidationFailure(problem.Field, problem.Message));
            ThrowIfAnyErrors();
        }
        if (current.Status == "active")
        {
            var missing = ListingRules.MissingForPublishing(
                r.Has(nameof(r.Title)) ? r.Title! : current.Title,
                r.Has(nameof(r.Description)) ? r.Description : current.Description,
                r.Has(nameof(r.Category)) ? r.Category! : current.Category,
                priceType, priceCents);
            if (missing.Count > 0)
            {
                throw ListingRules.Incomplete(missing);
            }
        }

        await db.InTransactionAsync(async c =>
        {
            if (await Data.UpdateAsync(db, r.Id, current.Status, r, c) == 0)
            {
                throw ApiProblem.Conflict("concurrent_change", "The listing changed while you edited it; read it again and retry.");
            }
            await ResourceEvents.ListingAsync(db, clock, EventTypes.ListingUpdated, r.Id, c);
        }, ct);
        await Send.OkAsync(await ListingDetails.LoadAsync(db, r.Id, ct) ?? throw ApiProblem.NotFound("listing"), ct);
    }
}
