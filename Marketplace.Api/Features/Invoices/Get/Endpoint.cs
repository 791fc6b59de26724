using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Payments;

namespace Marketplace.Api.Features.Invoices.Get;

public sealed class Endpoint(Db db, MarketplaceOptions options, TimeProvider clock) : Endpoint<Request, InvoiceView>
{
    public override void Configure()
    {
        Get("invoices/{id}");
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(404));
        Summary(s =>
        {
            s.Summary = "View invoice";
            s.Description = "The invoice, for its client and its provider (anyone else gets 404). The client's first view marks it "
                + "viewed (viewedAt). internalNotes is only shown to the provider; paymentInstructions only for manual/offline invoices.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var me = HttpContext.CurrentUser();
        var (invoice, role) = await Bookings.FindInvoiceForCallerAsync(db, req.Id, me, ct);
        if (role == PartyRole.Client && invoice is { Status: "sent", ViewedAt: null })
        {
            await using var tx = await db.BeginTransactionAsync(ct);
            if (await Data.MarkViewedAsync(db, invoice.Id, clock.GetUtcNow().UtcDateTime, ct) == 1)
            {
                await Audit.WriteAsync(db, clock, new AuditEntry("invoice", invoice.Id, "viewed", "sent", "viewed", me.Id, role), ct);
            }
            await tx.CommitAsync(ct);
        }
        await Send.OkAsync(await InvoiceViews.LoadAsync(db, req.Id, role, options.Currency, ct), ct);
    }
}
