using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Admin.Transactions.List;

public sealed class Endpoint(Db db, MarketplaceOptions options, Cursors cursors) : Endpoint<Request, CursorPage<Item>>
{
    public override void Configure()
    {
        Get("admin/transactions");
        Policies(Infrastructure.Policies.Admin);
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(403));
        Summary(s =>
        {
            s.Summary = "Every booking (admins)";
            s.Description = "All transactions, newest first, filtered by status, provider and/or client; keyset pages (?limit=1-100, ?cursor=).";
            s.ExampleRequest = new Request { Status = "paid", ProviderId = 7, Limit = 20 };
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var limit = req.Limit ?? Paging.DefaultLimit;
        var scope = new CursorScope("admin.transactions", new { req.Status, req.ProviderId, req.ClientId });
        var rows = await Data.PageAsync(db, req.Status, req.ProviderId, req.ClientId, cursors.Decode<Cursor>(req.Cursor, scope), limit, options.Currency, ct);
        await Send.OkAsync(cursors.Page(rows, limit, i => new Cursor(i.CreatedAt, i.Id), scope), ct);
    }
}
