using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Transactions.List;

public sealed class Endpoint(Db db, MarketplaceOptions options, Cursors cursors) : Endpoint<Request, CursorPage<Item>>
{
    public override void Configure()
    {
        Get("transactions");
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401));
        Summary(s =>
        {
            s.Summary = "My transactions";
            s.Description = "The caller's bookings, newest first: as client, as provider, or both (no role). Filter by status; "
                + "keyset pages (?limit=1-100, default 20; ?cursor= from nextCursor).";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var me = HttpContext.CurrentUser();
        var limit = req.Limit ?? Paging.DefaultLimit;
        var scope = new CursorScope("transactions", new { me.Id, req.Role, req.Status });
        var rows = await Data.PageAsync(db, me.Id, me.ProviderId, req.Role, req.Status, cursors.Decode<Cursor>(req.Cursor, scope), limit, options.Currency, ct);
        await Send.OkAsync(cursors.Page(rows, limit, i => new Cursor(i.CreatedAt, i.Id), scope), ct);
    }
}
