using FastEndpoints;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Integrations.Webhooks.List;

public sealed record Request
{
    /// <summary>Page size, 1-100 (default 20).</summary>
    public int? Limit { get; init; }

    /// <summary>The nextCursor of the previous page.</summary>
    public string? Cursor { get; init; }
}

/// <summary>The id of the last endpoint of a page (newest first).</summary>
public sealed record Cursor(int Id);

public sealed class Validator : Validator<Request>
{
    public Validator() => this.AddPagingRules(r => r.Limit, r => r.Cursor);
}

public sealed class Endpoint(Db db, Cursors cursors) : Endpoint<Request, CursorPage<WebhookEndpointView>>
{
    public override void Configure()
    {
        Get("webhook-endpoints");
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401));
        Summary(s =>
        {
            s.Summary = "My webhook endpoints";
            s.Description = "The caller's webhook endpoints, newest first, without their secrets. Keyset pages (?limit=, ?cursor=).";
            s.ExampleRequest = new Request { Limit = 20 };
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var me = HttpContext.CurrentUser();
        var limit = req.Limit ?? Paging.DefaultLimit;
        var scope = new CursorScope("webhook-endpoints", new { me.Id });
        var before = cursors.Decode<Cursor>(req.Cursor, scope)?.Id ?? int.MaxValue;
        var rows = await db.GetTable<WebhookEndpointRow>().Where(w => w.UserId == me.Id && w.Id < before)
            .OrderByDescending(w => w.Id).Take(limit + 1).ToListAsync(ct);
        await Send.OkAsync(cursors.Page(rows.Select(w => WebhookEndpointView.From(w)).ToList(), limit, w => new Cursor(w.Id), scope), ct);
    }
}
