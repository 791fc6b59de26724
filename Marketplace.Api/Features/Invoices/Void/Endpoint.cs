using FastEndpoints;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Infrastructure.Email;
using Marketplace.Api.Infrastructure.Stripe;
using Marketplace.Api.Payments;

namespace Marketplace.Api.Features.Invoices.Void;

public sealed class Endpoint(Db db, StripeAccess stripe, MarketplaceOptions options, TimeProvider clock, ILogger<Endpoint> logger)
    : Endpoint<Request, InvoiceView>
{
    public override void Configure()
    {
        Post("invoices/{id}/void");
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(403)
            .ProducesProblemDetails(404).ProducesProblemDetails(409));
        Summary(s =>
        {
            s.Summary = "Void an unpaid invoice";
            s.Description = "The provider voids an unpaid invoice (draft, sent or viewed). A booking has one invoice, so its booking is "
                + "cancelled with it (by the provider) and an open Checkout Session is expired; both parties are notified. Errors: "
                + "403 not_invoice_provider (the client); 404 not a party; 409 invalid_transition (paid, refunded or void).";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var me = HttpContext.CurrentUser();
        var (invoice, role) = await Bookings.FindInvoiceForCallerAsync(db, req.Id, me, ct);
        if (role != PartyRole.Provider)
        {
            throw ApiProblem.Forbidden("not_invoice_provider", "Only the invoice's provider can void it.");
        }
        if (!Bookings.UnpaidInvoiceStatuses.Contains(invoice.Status))
        {
            throw ApiProblem.InvalidTransition($"A {invoice.Status} invoice cannot be voided; only an unpaid one can.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        await db.InTransactionAsync(async c =>
        {
            // the booking before its invoice (LockOrder), as the client's cancel and the payment webhook take them
            await LockOrder.TransactionAsync(db, invoice.TransactionId, c);
            if (await Data.VoidAsync(db, invoice.Id, invoice.Status, now, c) == 0)
            {
                throw ApiProblem.InvalidTransition("The invoice changed meanwhile (paid?); reload it.");
            }
            await Audit.WriteAsync(db, clock, new AuditEntry("invoice", invoice.Id, "voided", invoice.Status, "void", me.Id, role,
                new { reason = req.Reason }), c);
            await ResourceEvents.InvoiceAsync(db, clock, options, EventTypes.InvoiceVoided, invoice.Id, c);
            if (await Data.CancelTransactionAsync(db, invoice.TransactionId, req.Reason, now, c) == 1)
            {
                await Audit.WriteAsync(db, clock, new AuditEntry("transaction", invoice.TransactionId, "cancelled", "invoiced", "cancelled",
                    me.Id, role, new { reason = req.Reason ?? "invoice voided" }), c);
                await ResourceEvents.TransactionAsync(db, clock, options, EventTypes.TransactionCancelled, invoice.TransactionId, c);
                var parties = await Bookings.PartiesAsync(db, invoice.TransactionId, c);
                var transaction = await Bookings.FindForCallerAsync(db, invoice.TransactionId, me, c);
                foreach (var mail in BookingMails.Cancelled(parties, transaction.Transaction, role, req.Reason ?? "invoice voided", false, options))
                {
                    await Outbox.EnqueueAsync(db, clock, mail, c);
                }
                await Features.Listings.Availability.FreeDays.RefreshBookingAsync(db, transaction.Transaction, now, c);
            }
        }, ct);
        await CheckoutSessions.ExpireQuietlyAsync(db, stripe, invoice.StripeCheckoutSessionId, invoice.StripeCheckoutExpiresAt, clock, logger, ct);

        await Send.OkAsync(await InvoiceViews.LoadAsync(db, req.Id, role, options.Currency, ct), ct);
    }
}
