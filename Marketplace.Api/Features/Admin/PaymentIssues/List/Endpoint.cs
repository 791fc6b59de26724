using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Admin.PaymentIssues.List;

public sealed class Endpoint(Db db, Cursors cursors) : Endpoint<Request, CursorPage<Item>>
{
    public override void Configure()
    {
        Get("admin/payment-issues");
        Policies(Infrastructure.Policies.Admin);
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(403));
        Summary(s =>
        {
            s.Summary = "Payment issues (admins)";
            s.Description = "What the Stripe webhook recorded and left to operators, newest first: duplicate payments, payments after a "
                + "cancellation, amount or currency mismatches, refund mismatches, disputes opened and disputes lost. ?kind= filters; keyset pages.";
            s.ExampleRequest = new Request { Kind = "duplicate_payment", Limit = 20 };
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var limit = req.Limit ?? Paging.DefaultLimit;
        var scope = new CursorScope("admin.payment_issues", new { req.Kind });
        var rows = await Data.PageAsync(db, req.Kind, cursors.Decode<Cursor>(req.Cursor, scope), limit, ct);
        await Send.OkAsync(cursors.Page(rows, limit, i => new Cursor(i.CreatedAt, i.Id), scope), ct);
    }
}
