using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Transactions.List;

public sealed class Endpoint(Db db, MarketplaceOptions options) : Endpoint<Request, CursorPage<Item>>
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
        var rows = await Data.PageAsync(db, me.Id, me.ProviderId, req.Role, req.Status, Paging.Decode<Cursor>(req.Cursor), limit, options.Currency, ct);
        await Send.OkAsync(Paging.Page(rows, limit, i => new Cursor(i.CreatedAt, i.Id)), ct);
    }
}
