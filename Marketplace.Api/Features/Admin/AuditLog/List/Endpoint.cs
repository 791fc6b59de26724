using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Admin.AuditLog.List;

public sealed class Endpoint(Db db, Cursors cursors) : Endpoint<Request, CursorPage<AdminAuditItem>>
{
    public override void Configure()
    {
        Get("admin/audit");
        Policies(Infrastructure.Policies.Admin);
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(403));
        Summary(s =>
        {
            s.Summary = "The audit log (admins)";
            s.Description = "Every recorded state change, newest first: of one record (entityType + entityId), of one kind, by one actor "
                + "(actorId), within [from, to). Keyset pages (?limit=1-100, ?cursor=), each filter on an index.";
            s.ExampleRequest = new Request { EntityType = "user", EntityId = 42, Limit = 20 };
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var limit = req.Limit ?? Paging.DefaultLimit;
        var scope = new CursorScope("admin.audit", new { req.EntityType, req.EntityId, req.ActorId, req.From, req.To });
        var rows = await Data.PageAsync(db, req, cursors.Decode<Cursor>(req.Cursor, scope), limit, ct);
        var page = cursors.Page(rows, limit, a => new Cursor(a.CreatedAt, a.Id), scope);
        await Send.OkAsync(new CursorPage<AdminAuditItem>(page.Items.Select(AdminAuditItem.From).ToList(), page.NextCursor), ct);
    }
}
