using FastEndpoints;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Integrations.ApiKeys.List;

public sealed class Endpoint(Db db, Cursors cursors) : Endpoint<Request, CursorPage<ApiKeyView>>
{
    public override void Configure()
    {
        Get("api-keys");
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401));
        Summary(s =>
        {
            s.Summary = "My API keys";
            s.Description = "The caller's live API keys, newest first, without the keys themselves (prefix, scope, lastUsedAt). "
                + "Keyset pages (?limit=1-100, default 20; ?cursor= from nextCursor).";
            s.ExampleRequest = new Request { Limit = 20 };
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var me = HttpContext.CurrentUser();
        var limit = req.Limit ?? Paging.DefaultLimit;
        var scope = new CursorScope("api-keys", new { me.Id });
        var before = cursors.Decode<Cursor>(req.Cursor, scope)?.Id ?? int.MaxValue;
        var rows = await db.GetTable<ApiKeyRow>()
            .Where(k => k.UserId == me.Id && k.RevokedAt == null && k.Id < before)
            .OrderByDescending(k => k.Id).Take(limit + 1).ToListAsync(ct);
        await Send.OkAsync(cursors.Page(rows.Select(ApiKeyView.From).ToList(), limit, k => new Cursor(k.Id), scope), ct);
    }
}
