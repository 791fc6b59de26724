using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Admin.Reviews.List;

public sealed class Endpoint(Db db, Cursors cursors) : Endpoint<Request, CursorPage<AdminReview>>
{
    public override void Configure()
    {
        Get("admin/reviews");
        Policies(Infrastructure.Policies.Admin);
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(403));
        Summary(s =>
        {
            s.Summary = "Reviews by status (admins)";
            s.Description = "The moderation queue (?status=flagged, the default) or the published or removed reviews, optionally of one "
                + "provider, newest first, keyset pages. A flagged review is still public and counted until it is removed or restored.";
            s.ExampleRequest = new Request { Status = "flagged", Limit = 20 };
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var limit = req.Limit ?? Paging.DefaultLimit;
        var status = req.Status ?? "flagged";
        var scope = new CursorScope("admin.reviews", new { status, req.ProviderId });
        var rows = await Data.PageAsync(db, status, req.ProviderId, cursors.Decode<Cursor>(req.Cursor, scope), limit, ct);
        await Send.OkAsync(cursors.Page(rows, limit, r => new Cursor(r.CreatedAt, r.Id), scope), ct);
    }
}
