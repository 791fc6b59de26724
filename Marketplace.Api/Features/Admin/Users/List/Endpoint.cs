using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Admin.Users.List;

public sealed class Endpoint(Db db, Cursors cursors) : Endpoint<Request, CursorPage<Item>>
{
    public override void Configure()
    {
        Get("admin/users");
        Policies(Infrastructure.Policies.Admin);
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(403));
        Summary(s =>
        {
            s.Summary = "Find users (admins)";
            s.Description = "Every user, deleted ones too, newest first. ?q= matches part of the e-mail or the name (case-insensitive); "
                + "?status=active|suspended|deleted; keyset pages (?limit=1-100, ?cursor=). 403 not_an_admin for everyone but operators.";
            s.ExampleRequest = new Request { Q = "ann@", Status = "active", Limit = 20 };
            s.ResponseExamples[200] = new CursorPage<Item>([new Item(42, "ann@example.com", "Ann", "Lee", "active", false, 7, new DateTime(2026, 11, 20, 9, 0, 0, DateTimeKind.Utc))], null);
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var limit = req.Limit ?? Paging.DefaultLimit;
        var q = req.Q?.Trim();
        var scope = new CursorScope("admin.users", new { q, req.Status });
        var rows = await Data.PageAsync(db, q, req.Status, cursors.Decode<Cursor>(req.Cursor, scope), limit, ct);
        await Send.OkAsync(cursors.Page(rows, limit, i => new Cursor(i.CreatedAt, i.Id), scope), ct);
    }
}
