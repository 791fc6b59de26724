using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Payments;

namespace Marketplace.Api.Features.Providers.Payouts;

public sealed class Endpoint(Db db, Cursors cursors) : Endpoint<Request, CursorPage<PayoutView>>
{
    public override void Configure()
    {
        Get("providers/me/payouts");
        Policies(Infrastructure.Policies.Provider);
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(403));
        Summary(s =>
        {
            s.Summary = "My payouts";
            s.Description = "The payouts Stripe made from the caller's connected account to its bank (payout.* events), newest first, "
                + "optionally one status; keyset-paginated (?limit=, ?cursor=). These are the money that actually left Stripe, "
                + "unlike the dashboard's ledger figures. Providers only (403 not_a_provider).";
            s.ExampleRequest = new Request { Status = "paid", Limit = 20 };
            s.ResponseExamples[200] = new CursorPage<PayoutView>(
                [new PayoutView("po_1QxExample", 90000, "usd", "paid", new DateTime(2026, 11, 20, 0, 0, 0, DateTimeKind.Utc), null, null,
                    new DateTime(2026, 11, 18, 9, 30, 0, DateTimeKind.Utc))], null);
        });
    }

    public override async Task HandleAsync(Request r, CancellationToken ct)
    {
        var limit = r.Limit ?? Paging.DefaultLimit;
        var providerId = HttpContext.CurrentUser().ProviderId!.Value;
        var scope = new CursorScope("providers.me.payouts", new { providerId, r.Status });
        var rows = await Data.PageAsync(db, providerId, r.Status, cursors.Decode<Cursor>(r.Cursor, scope), limit + 1, ct);
        var page = cursors.Page(rows, limit, p => new Cursor(p.StripeCreatedAt, p.Id), scope);
        await Send.OkAsync(new CursorPage<PayoutView>([.. page.Items.Select(PayoutView.From)], page.NextCursor), ct);
    }
}
