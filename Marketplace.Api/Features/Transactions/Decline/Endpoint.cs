using System.Globalization;
using FastEndpoints;
using LinqToDB;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Listings.Availability;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Features.Transactions.Lifecycle;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Infrastructure.Email;
using Marketplace.Api.Payments;

namespace Marketplace.Api.Features.Transactions.Decline;

public sealed class Endpoint(Db db, MarketplaceOptions options, TimeProvider clock) : Endpoint<Request, TransactionView>
{
    public override void Configure()
    {
        Post("transactions/{id}/decline");
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(403)
            .ProducesProblemDetails(404).ProducesProblemDetails(409));
        Summary(s =>
        {
            s.Summary = "Decline a booking request";
            s.Description = "The provider declines a request: requested -> declined (final); its slot is free again at once. Both "
                + "parties are mailed. Errors: 400 reason missing; 403 not_transaction_provider; 404 not a party; 409 invalid_transition.";
            s.ExampleRequest = new Request { Reason = "Fully booked that week, sorry." };
            s.Responses[200] = "The declined booking.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var me = HttpContext.CurrentUser();
        var (transaction, role) = await Bookings.FindForCallerAsync(db, req.Id, me, ct);
        if (role != PartyRole.Provider)
        {
            throw ApiProblem.Forbidden("not_transaction_provider", "Only the booking's provider can decline it.");
        }

        var view = await db.InTransactionAsync(async c =>
        {
            var now = clock.GetUtcNow().UtcDateTime;
            await LockOrder.ProviderAndTransactionAsync(db, transaction.ProviderId, req.Id, c);
            var moved = await db.Transactions
                .Where(t => t.Id == req.Id && t.Status == "requested")
                .Set(t => t.Status, "declined")
                .Set(t => t.DeclinedAt, now)
                .Set(t => t.DeclineReason, req.Reason)
                .UpdateAsync(c);
            if (moved == 0)
            {
                throw ApiProblem.InvalidTransition("Only a booking request can be declined.");
            }
            await Audit.WriteAsync(db, clock, new AuditEntry("transaction", req.Id, "declined", "requested", "declined", me.Id, role, new { reason = req.Reason }), c);
            var parties = await Bookings.PartiesAsync(db, req.Id, c);
            foreach (var mail in LifecycleMails.Declined(parties, transaction, req.Reason!, options))
            {
                await Outbox.EnqueueAsync(db, clock, mail, c);
            }
            var view = await TransactionViews.LoadAsync(db, req.Id, role, options.Currency, c);
            // the event as the client's GET answers it (both parties read it), not the provider's answer
            await ResourceEvents.TransactionAsync(db, clock, options, EventTypes.TransactionDeclined, req.Id, c);
            await FreeDays.RefreshBookingAsync(db, transaction, now, c);
            return view;
        }, ct);
        await Send.OkAsync(view, ct);
    }
}
