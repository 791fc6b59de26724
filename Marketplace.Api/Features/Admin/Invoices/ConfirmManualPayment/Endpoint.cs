using System.Globalization;
using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Features.Invoices;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Payments;

namespace Marketplace.Api.Features.Admin.Invoices.ConfirmManualPayment;

public sealed class Endpoint(Db db, MarketplaceOptions options, TimeProvider clock) : Endpoint<Request, InvoiceView>
{
    public override void Configure()
    {
        Post("admin/invoices/{id:int}/confirm-manual-payment");
        Policies(Infrastructure.Policies.Admin);
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(403)
            .ProducesProblemDetails(404).ProducesProblemDetails(409));
        Summary(s =>
        {
            s.Summary = "Confirm a manual payment (admins)";
            s.Description = "An operator checked a payment made outside the platform that the provider recorded (mark-paid): the invoice's "
                + "manualPaymentConfirmedBy becomes the admin's id. 409 manual_payment_not_allowed for a Stripe invoice; 409 invalid_transition "
                + "unless the invoice is paid; 409 already_confirmed when confirmed before.";
            s.ExampleRequest = new Request { Id = 3, Reason = "Bank statement shows the transfer." };
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var admin = HttpContext.CurrentUser();
        var invoice = await Data.InvoiceAsync(db, req.Id, ct) ?? throw ApiProblem.NotFound("invoice");
        if (invoice.PaymentMethod == "stripe")
        {
            throw ApiProblem.Conflict("manual_payment_not_allowed", "This invoice is paid through Stripe; there is no manual payment to confirm.");
        }
        await db.InTransactionAsync(async c =>
        {
            if (await Data.ConfirmAsync(db, req.Id, admin.Id, clock.GetUtcNow().UtcDateTime, c) == 0)
            {
                var now = await Data.InvoiceAsync(db, req.Id, c);
                throw now?.ConfirmedBy is not null
                    ? ApiProblem.Conflict("already_confirmed", "This manual payment was confirmed already.")
                    : ApiProblem.InvalidTransition($"A {now?.Status} invoice has no recorded payment to confirm; the provider records it first.");
            }
            await Audit.WriteAsync(db, clock, new AuditEntry("invoice", req.Id, "manual_payment_confirmed", "paid", "paid", admin.Id, AdminRules.ActorRole,
                new { reason = req.Reason!.Trim() }), c);
            // as the client's GET answers it: the provider's internal notes never reach an event the client reads
            await ResourceEvents.InvoiceAsync(db, clock, options, EventTypes.InvoiceManualPaymentConfirmed, req.Id, c);
        }, ct);
        await Send.OkAsync(await InvoiceViews.LoadAsync(db, req.Id, PartyRole.Provider, options.Currency, ct), ct);
    }
}
