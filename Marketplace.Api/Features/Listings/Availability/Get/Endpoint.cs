using FastEndpoints;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Listings.Availability.Get;

public sealed class Endpoint(Db db) : Endpoint<Request, AvailabilityView>
{
    public override void Configure()
    {
        Get("listings/{id:int}/availability");
        Policies(Infrastructure.Policies.Provider);
        Description(d => d.ProducesProblemDetails(401).ProducesProblemDetails(403).ProducesProblemDetails(404));
        Summary(s =>
        {
            s.Summary = "Read a listing's availability plan";
            s.Description = "The plan of one of the caller's listings. 404 not_found when the listing is not the caller's or has no plan "
                + "(it is then bookable without a time).";
            s.Responses[200] = "The plan.";
        });
    }

    public override async Task HandleAsync(Request r, CancellationToken ct)
    {
        var providerId = ListingRules.ManagingProviderId(HttpContext.CurrentUser());
        await OwnedListing.GetAsync(db, r.Id, providerId, ct);
        var row = await db.ListingAvailability.FirstOrDefaultAsync(a => a.ListingId == r.Id, ct) ?? throw ApiProblem.NotFound("availability");
        var timeZone = await db.Providers.Where(p => p.Id == providerId).Select(p => p.TimeZone).FirstAsync(ct) ?? ListingSlots.DefaultTimeZone;
        await Send.OkAsync(AvailabilityView.From(row, timeZone), ct);
    }
}
