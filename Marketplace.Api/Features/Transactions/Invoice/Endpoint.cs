using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Payments;

namespace Marketplace.Api.Features.Transactions.Invoice;

public sealed class Endpoint(Db db, MarketplaceOptions options, TimeProvider clock) : Endpoint<Request, TransactionView>
{
    public override void Configure()
    {
        Post("transactions/{id}/invoice");
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(403)
            .ProducesProblemDetails(404).ProducesProblemDetails(409));
        Summary(s =>
        {
            s.Summary = "Price and invoice a pending request";
            s.Description = "The provider sets the price and tax rate of a pending booking (custom or contact listing, direct request) and "
                + "issues its invoice: the platform fee, tax, total and payout are computed, the invoice (MP-YYYY-NNNNNN) is mailed to the "
                + "client and the booking becomes invoiced. Fixed-price bookings are invoiced at booking time. Errors: 403 "
                + "not_transaction_provider (the client); 404 not a party; 409 invalid_transition (not pending).";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var me = HttpContext.CurrentUser();
        var (transaction, role) = await Bookings.FindForCallerAsync(db, req.Id, me, ct);
        if (role != PartyRole.Provider)
        {
            throw ApiProblem.Forbidden("not_transaction_provider", "Only the booking's provider can invoice it.");
        }
        if (transaction.Status != "pending")
        {
            throw ApiProblem.InvalidTransition($"A {transaction.Status} booking cannot be invoiced; only a pending one can.");
        }
        if (req.DueAt is { } due && due.ToUniversalTime() < clock.GetUtcNow().UtcDateTime)
        {
            ThrowError(r => r.DueAt!, "dueAt must be in the future.");
        }

        var price = Money.Breakdown(req.ServicePriceCents!.Value, req.TaxRate ?? 0m, options.Fees.PlatformFeeBps, options.Fees.MinimumPlatformFeeCents);
        var paymentMode = await Data.PaymentModeAsync(db, transaction.ProviderId, ct);

        await db.InTransactionAsync(async c =>
        {
            // the transition is checked under the booking's lock before the invoice is inserted: a concurrent
            // invoicing of the same booking waits here and then finds it invoiced (409), never a duplicate invoice
            var status = await LockOrder.TransactionAsync(db, transaction.Id, c);
            if (status != "pending")
            {
                throw ApiProblem.InvalidTransition($"A {status} booking cannot be invoiced; only a pending one can (it changed meanwhile).");
            }
            await Invoicing.IssueAsync(db, clock, options, transaction, price, Invoicing.PaymentMethodFor(paymentMode),
                req.Notes, req.InternalNotes, req.DueAt?.ToUniversalTime(), me.Id, PartyRole.Provider, c);
        }, ct);

        await Send.OkAsync(await TransactionViews.LoadAsync(db, req.Id, role, options.Currency, ct), ct);
    }
}
