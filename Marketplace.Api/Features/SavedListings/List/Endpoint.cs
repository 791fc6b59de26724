using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.SavedListings.List;

public sealed class Endpoint(Db db, Cursors cursors) : Endpoint<Request, CursorPage<Item>>
{
    public override void Configure()
    {
        Get("saved-listings");
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401));
        Summary(s =>
        {
            s.Summary = "My saved listings";
            s.Description = "The caller's saved listings, most recently saved first, keyset-paginated (?limit=, ?cursor=). Listings "
                + "that are no longer active (paused, deleted, provider suspended) are hidden but stay saved.";
        });
    }

    public override async Task HandleAsync(Request r, CancellationToken ct)
    {
        var limit = r.Limit ?? Paging.DefaultLimit;
        var userId = HttpContext.CurrentUser().Id;
        var scope = new CursorScope("saved-listings", new { userId });
        var rows = await Data.PageAsync(db, userId, cursors.Decode<Cursor>(r.Cursor, scope), limit + 1, ct);
        var page = cursors.Page(rows, limit, row => new Cursor(row.Item.SavedAt, row.SavedId), scope);
        await Send.OkAsync(new CursorPage<Item>([.. page.Items.Select(row => row.Item)], page.NextCursor), ct);
    }
}
