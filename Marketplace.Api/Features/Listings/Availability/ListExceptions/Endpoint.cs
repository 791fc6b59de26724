using FastEndpoints;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Listings.Availability.ListExceptions;

public sealed class Endpoint(Db db, Cursors cursors) : Endpoint<Request, CursorPage<ExceptionView>>
{
    /// <summary>The sort key of the last exception served.</summary>
    private sealed record Position(DateTime Start, long Id);

    public override void Configure()
    {
        Get("listings/{id:int}/availability/exceptions");
        Policies(Infrastructure.Policies.Provider);
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(403).ProducesProblemDetails(404));
        Summary(s =>
        {
            s.Summary = "List a listing's plan exceptions";
            s.Description = "The exceptions overlapping [start, end) (each optional), by start then id, paged (limit, cursor). Owner only.";
            s.Responses[200] = "A page of exceptions.";
        });
    }

    public override async Task HandleAsync(Request r, CancellationToken ct)
    {
        var providerId = ListingRules.ManagingProviderId(HttpContext.CurrentUser());
        await OwnedListing.GetAsync(db, r.Id, providerId, ct);
        var start = r.Start?.ToUniversalTime();
        var end = r.End?.ToUniversalTime();
        var scope = new CursorScope("listings.availability.exceptions", new { r.Id, start, end });
        var after = cursors.Decode<Position>(r.Cursor, scope);
        var limit = r.Limit ?? Paging.DefaultLimit;

        var query = db.AvailabilityExceptions.Where(x => x.ListingId == r.Id);
        if (start is { } s)
        {
            query = query.Where(x => x.EndAt > s);
        }
        if (end is { } e)
        {
            query = query.Where(x => x.StartAt < e);
        }
        if (after is not null)
        {
            query = query.Where(x => x.StartAt > after.Start || (x.StartAt == after.Start && x.Id > after.Id));
        }
        var rows = await query.OrderBy(x => x.StartAt).ThenBy(x => x.Id).Take(limit + 1).ToListAsync(ct);
        await Send.OkAsync(cursors.Page(rows.Select(ExceptionView.From).ToList(), limit, v => new Position(v.Start, v.Id), scope), ct);
    }
}
