using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Listings;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Providers.MyListings;

public sealed class Endpoint(Db db, Cursors cursors) : Endpoint<Request, CursorPage<ListingDetails>>
{
    public override void Configure()
    {
        Get("providers/me/listings");
        Policies(Infrastructure.Policies.Provider);
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(403));
        Summary(s =>
        {
            s.Summary = "My listings";
            s.Description = "All of the caller's listings in any status (not deleted), newest first, optionally only one status; "
                + "keyset-paginated (?limit=, ?cursor=).";
        });
    }

    public override async Task HandleAsync(Request r, CancellationToken ct)
    {
        var limit = r.Limit ?? Paging.DefaultLimit;
        var providerId = HttpContext.CurrentUser().ProviderId!.Value;
        var scope = new CursorScope("providers.me.listings", new { providerId, r.Status });
        var rows = await Data.PageAsync(db, providerId, r.Status, cursors.Decode<Cursor>(r.Cursor, scope), limit + 1, ct);
        var page = cursors.Page(rows, limit, l => new Cursor(l.CreatedAt, l.Id), scope);
        await Send.OkAsync(page, ct);
    }
}
