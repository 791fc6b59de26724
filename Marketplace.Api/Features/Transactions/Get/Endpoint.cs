using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Payments;

namespace Marketplace.Api.Features.Transactions.Get;

public sealed class Endpoint(Db db, MarketplaceOptions options) : Endpoint<Request, TransactionView>
{
    public override void Configure()
    {
        Get("transactions/{id}");
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(404));
        Summary(s =>
        {
            s.Summary = "Transaction details";
            s.Description = "A booking with its price breakdown, workflow timestamps and invoice summary. Only its client and its provider "
                + "see it (role says which one the caller is); anyone else gets 404.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var (_, role) = await Bookings.FindForCallerAsync(db, req.Id, HttpContext.CurrentUser(), ct);
        await Send.OkAsync(await TransactionViews.LoadAsync(db, req.Id, role, options.Currency, ct), ct);
    }
}
