using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Payments;

namespace Marketplace.Api.Features.Invoices.MarkPaid;

public sealed class Endpoint(Db db, MarketplaceOptions options, TimeProvider clock) : Endpoint<Request, InvoiceView>
{
    public override void Configure()
    {
        Post("invoices/{id}/mark-paid");
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(403)
            .ProducesProblemDetails(404).ProducesProblemDetails(409));
        Summary(s =>
        {
            s.Summary = "Record a manual payment";
            s.Description = "The provider of a manual or offline invoice records that the client paid outside the platform (method, "
                + "reference): the invoice and the booking become paid, receipts are mailed and the provider's revenue counters move. "
                + "Errors: 403 not_invoice_provider (the client); 404 not a party; 409 manual_payment_not_allowed (a Stripe invoice: "
                + "the client pays through Checkout), invalid_transition (paid, refunded or void), payment_window_closed (the booking's payment window is over: it expires "
                + "and its slot is released).";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var me = HttpContext.CurrentUser();
        var (invoice, role) = await Bookings.FindInvoiceForCallerAsync(db, req.Id, me, ct);
        if (role != PartyRole.Provider)
        {
            throw ApiProblem.Forbidden("not_invoice_provider", "Only the invoice's provider can record a payment.");
        }
        if (invoice.PaymentMethod == "stripe")
        {
            throw ApiProblem.Conflict("manual_payment_not_allowed", "This invoice is paid through Stripe Checkout, not recorded by hand.");
        }
        if (!Bookings.UnpaidInvoiceStatuses.Contains(invoice.Status))
        {
            throw ApiProblem.InvalidTransition($"A {invoice.Status} invoice cannot be marked paid.");
        }

        await db.InTransactionAsync(async c =>
        {
            var outcome = await Ledger.ApplyPaymentAsync(db, clock, options, invoice.TransactionId,
                new PaymentReceived(invoice.PaymentMethod, invoice.BalanceCents, ManualMethod: req.Method, ManualReference: req.Reference,
                    ActorUserId: me.Id, ActorRole: role), c);
            if (outcome.Outcome == PaymentOutcome.WindowClosed)
            {
                // past its payment window the booking no longer holds its slot (another client may hold it now); the job expires it
                throw ApiProblem.Conflict("payment_window_closed", "The time to pay this booking is over; its slot was released and the booking expires.");
            }
            if (outcome.Outcome != PaymentOutcome.Applied)
            {
                throw ApiProblem.InvalidTransition("The invoice changed meanwhile; reload it.");
            }
        }, ct);

        await Send.OkAsync(await InvoiceViews.LoadAsync(db, req.Id, role, options.Currency, ct), ct);
    }
}
