using FastEndpoints;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Listings.Availability;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Infrastructure.Email;
using Marketplace.Api.Infrastructure.Stripe;
using Marketplace.Api.Payments;

namespace Marketplace.Api.Features.Transactions.Cancel;

public sealed class Endpoint(Db db, StripeAccess stripe, MarketplaceOptions options, TimeProvider clock, ILogger<Endpoint> logger)
    : Endpoint<Request, TransactionView>
{
    public override void Configure()
    {
        Post("transactions/{id}/cancel");
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(404)
            .ProducesProblemDetails(409).ProducesProblemDetails(502));
        Summary(s =>
        {
            s.Summary = "Cancel a booking";
            s.Description = "The client cancels before the work starts (pending, invoiced, paid); the provider before completion "
                + "(also in_progress). An unpaid invoice becomes void and its Checkout Session is expired; a paid booking is refunded "
                + "by the cancellation policy in force when the cancellation commits (GET /transactions/{id}/cancellation-quote shows it; a provider's cancellation refunds in full), through Stripe, reversing the transfer and the platform fee proportionally. Both parties are notified. Errors: 404 not a "
                + "party; 409 invalid_transition; 502 stripe_error when the refund failed after the cancellation (the booking stays "
                + "cancelled; the provider retries with POST /transactions/{id}/refund).";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var me = HttpContext.CurrentUser();
        var (transaction, role) = await Bookings.FindForCallerAsync(db, req.Id, me, ct);
        if (!Data.CancellableFrom(role).Contains(transaction.Status))
        {
            throw ApiProblem.InvalidTransition(role == PartyRole.Client
                ? $"A {transaction.Status} booking can no longer be cancelled by the client."
                : $"A {transaction.Status} booking can no longer be cancelled.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var (invoice, terms) = await db.InTransactionAsync(async c =>
        {
            // the booking, then its invoice (LockOrder): the provider's void and the payment webhook take them in this order too
            if (await Data.CancelAsync(db, req.Id, transaction.Status, role, req.Reason, now, c) == 0)
            {
                throw ApiProblem.InvalidTransition("The booking changed meanwhile; reload it.");
            }
            await Audit.WriteAsync(db, clock, new AuditEntry("transaction", req.Id, "cancelled", transaction.Status, "cancelled", me.Id, role,
                new { reason = req.Reason }), c);

            var row = await db.Invoices.FirstOrDefaultAsync(i => i.TransactionId == req.Id, c);
            // the cancellation policy's terms at the moment this commits (README "Cancellation policies"); stored with the booking
            var terms = CancellationPolicies.Terms(role, await CancellationPolicies.PolicyOfAsync(db, transaction, c), transaction, row, now);
            await db.Transactions.Where(t => t.Id == req.Id).Set(t => t.CancellationPolicy, terms.Policy).UpdateAsync(c);
            if (row is not null && await Data.VoidInvoiceAsync(db, row.Id, now, c) == 1)
            {
                await Audit.WriteAsync(db, clock, new AuditEntry("invoice", row.Id, "voided", row.Status, "void", me.Id, role,
                    new { reason = "booking cancelled" }), c);
                await ResourceEvents.InvoiceAsync(db, clock, options, EventTypes.InvoiceVoided, row.Id, c);
            }
            await ResourceEvents.TransactionAsync(db, clock, options, EventTypes.TransactionCancelled, req.Id, c);

            var refundFollows = terms.RefundCents > 0;
            var parties = await Bookings.PartiesAsync(db, req.Id, c);
            foreach (var mail in BookingMails.Cancelled(parties, transaction, role, req.Reason, refundFollows, options))
            {
                await Outbox.EnqueueAsync(db, clock, mail, c);
            }
            await FreeDays.RefreshBookingAsync(db, transaction, now, c);
            return (row, terms);
        }, ct);

        // Stripe after the commit: the cancellation stands whatever Stripe answers
        if (invoice is not null && invoice.PaidCents == 0)
        {
            await CheckoutSessions.ExpireQuietlyAsync(db, stripe, invoice.StripeCheckoutSessionId, invoice.StripeCheckoutExpiresAt, clock, logger, ct);
        }
        if (invoice is not null && terms.RefundCents > 0)
        {
            await Refunds.IssueAsync(db, stripe, clock, options, req.Id, terms.RefundCents,
                req.Reason ?? "booking cancelled", me.Id, role, ct);
        }

        await Send.OkAsync(await TransactionViews.LoadAsync(db, req.Id, role, options.Currency, ct), ct);
    }
}
