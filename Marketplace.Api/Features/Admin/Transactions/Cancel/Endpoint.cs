using System.Globalization;
using FastEndpoints;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Features.Transactions;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Infrastructure.Email;
using Marketplace.Api.Infrastructure.Stripe;
using Marketplace.Api.Payments;

namespace Marketplace.Api.Features.Admin.Transactions.Cancel;

public sealed class Endpoint(Db db, StripeAccess stripe, MarketplaceOptions options, TimeProvider clock, ILogger<Endpoint> logger)
    : Endpoint<Request, TransactionView>
{
    public override void Configure()
    {
        Post("admin/transactions/{id}/cancel");
        Policies(Infrastructure.Policies.Admin);
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(403)
            .ProducesProblemDetails(404).ProducesProblemDetails(409).ProducesProblemDetails(502));
        Summary(s =>
        {
            s.Summary = "Cancel a booking (admins)";
            s.Description = "pending, invoiced, paid or in_progress -> cancelled with cancelledBy = admin and the admin's reason. An unpaid "
                + "invoice becomes void (its Checkout Session expired); of a paid one, refundPercent of what is still refundable goes back "
                + "through Stripe exactly as the provider's refund does (reversing the transfer and the fee, one idempotency key per refund "
                + "state). Both parties are mailed. 409 invalid_transition from completed, cancelled or refunded; 502 stripe_error when the "
                + "refund failed after the cancellation (the booking stays cancelled; refund it with POST /transactions/{id}/refund).";
            s.ExampleRequest = new Request { Id = 88, Reason = "Provider unreachable for a week.", RefundPercent = 100 };
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var admin = HttpContext.CurrentUser();
        var reason = req.Reason!.Trim();
        var transaction = await db.Transactions.FirstOrDefaultAsync(t => t.Id == req.Id, ct) ?? throw ApiProblem.NotFound("transaction");
        if (!Data.CancellableFrom.Contains(transaction.Status))
        {
            throw ApiProblem.InvalidTransition($"A {transaction.Status} booking can no longer be cancelled.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var invoice = await db.InTransactionAsync(async c =>
        {
            await LockOrder.ProviderAndTransactionAsync(db, transaction.ProviderId, req.Id, c);
            if (await Data.CancelAsync(db, req.Id, transaction.Status, reason, now, c) == 0)
            {
                throw ApiProblem.InvalidTransition("The booking changed meanwhile; reload it.");
            }
            await Audit.WriteAsync(db, clock, new AuditEntry("transaction", req.Id, "cancelled", transaction.Status, "cancelled", admin.Id,
                AdminRules.ActorRole, new { reason, req.RefundPercent }), c);

            var row = await db.Invoices.FirstOrDefaultAsync(i => i.TransactionId == req.Id, c);
            if (row is not null && await Features.Transactions.Cancel.Data.VoidInvoiceAsync(db, row.Id, now, c) == 1)
            {
                await Audit.WriteAsync(db, clock, new AuditEntry("invoice", row.Id, "voided", row.Status, "void", admin.Id, AdminRules.ActorRole,
                    new { reason = "booking cancelled by an operator" }), c);
            }
            var parties = await Bookings.PartiesAsync(db, req.Id, c);
            var fullRefund = row is not null && row.PaidCents > row.RefundedCents && req.RefundPercent == 100;
            foreach (var mail in BookingMails.Cancelled(parties, transaction, "platform's operators", reason, fullRefund, options))
            {
                await Outbox.EnqueueAsync(db, clock, mail, c);
            }
            await ResourceEvents.TransactionAsync(db, clock, options, EventTypes.TransactionCancelled, req.Id, c);
            await Features.Listings.Availability.FreeDays.RefreshBookingAsync(db, transaction, now, c);
            return row;
        }, ct);

        // Stripe after the commit: the cancellation stands whatever Stripe answers
        if (invoice is not null && invoice.PaidCents == 0)
        {
            await CheckoutSessions.ExpireQuietlyAsync(db, stripe, invoice.StripeCheckoutSessionId, invoice.StripeCheckoutExpiresAt, clock, logger, ct);
        }
        if (invoice is not null && Data.RefundCents(invoice.PaidCents - invoice.RefundedCents, req.RefundPercent!.Value) is > 0 and var amount)
        {
            await Refunds.IssueAsync(db, stripe, clock, options, req.Id, amount, reason, admin.Id, AdminRules.ActorRole, ct);
        }

        await Send.OkAsync(await TransactionViews.LoadAsync(db, req.Id, PartyRole.Provider, options.Currency, ct), ct);
    }
}
