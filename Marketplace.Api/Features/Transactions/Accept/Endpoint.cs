using System.Globalization;
using FastEndpoints;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Features.Transactions.Lifecycle;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Infrastructure.Email;
using Marketplace.Api.Payments;

namespace Marketplace.Api.Features.Transactions.Accept;

public sealed class Endpoint(Db db, MarketplaceOptions options, TimeProvider clock) : Endpoint<Request, TransactionView>
{
    public override void Configure()
    {
        Post("transactions/{id}/accept");
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(403)
            .ProducesProblemDetails(404).ProducesProblemDetails(409));
        Summary(s =>
        {
            s.Summary = "Accept a booking request";
            s.Description = "The provider accepts a request (a booking of a listing without instant booking): requested -> pending, "
                + "and a fixed, hourly or daily listing is invoiced at once (invoiced), as an instant booking is. The slot stays held. "
                + "Both parties are mailed. Errors: 403 not_transaction_provider; 404 not a party; 409 invalid_transition (not requested, "
                + "or the request expired).";
            s.Responses[200] = "The accepted booking.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var me = HttpContext.CurrentUser();
        var (transaction, role) = await Bookings.FindForCallerAsync(db, req.Id, me, ct);
        if (role != PartyRole.Provider)
        {
            throw ApiProblem.Forbidden("not_transaction_provider", "Only the booking's provider can accept it.");
        }

        var view = await db.InTransactionAsync(async c =>
        {
            var now = clock.GetUtcNow().UtcDateTime;
            await LockOrder.ProviderAndTransactionAsync(db, transaction.ProviderId, req.Id, c);
            if (await Data.AcceptAsync(db, req.Id, now, c) == 0)
            {
                throw ApiProblem.InvalidTransition("Only a booking request that has not expired can be accepted.");
            }
            transaction.Status = "pending";
            await Audit.WriteAsync(db, clock, new AuditEntry("transaction", req.Id, "accepted", "requested", "pending", me.Id, role), c);

            var pricing = await Data.PricingAsync(db, req.Id, c);
            if (pricing.PriceType is "fixed" or "hourly" or "daily" && pricing.PriceCents is { } unit)
            {
                var price = Money.Breakdown(unit * transaction.Quantity, 0m, options.Fees.PlatformFeeBps, options.Fees.MinimumPlatformFeeCents);
                await Invoicing.IssueAsync(db, clock, options, transaction, price, Invoicing.PaymentMethodFor(pricing.PaymentMode),
                    notes: null, internalNotes: null, dueAt: null, me.Id, role, c);
            }

            var parties = await Bookings.PartiesAsync(db, req.Id, c);
            foreach (var mail in LifecycleMails.Accepted(parties, transaction, options))
            {
                await Outbox.EnqueueAsync(db, clock, mail, c);
            }
            var view = await TransactionViews.LoadAsync(db, req.Id, role, options.Currency, c);
            // the event as the client's GET answers it (both parties read it), not the provider's answer
            await ResourceEvents.TransactionAsync(db, clock, options, EventTypes.TransactionAccepted, req.Id, c);
            return view;
        }, ct);
        await Send.OkAsync(view, ct);
    }
}
