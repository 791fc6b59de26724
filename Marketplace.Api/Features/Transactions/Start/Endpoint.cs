using FastEndpoints;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Payments;

namespace Marketplace.Api.Features.Transactions.Start;

public sealed class Endpoint(Db db, MarketplaceOptions options, TimeProvider clock) : Endpoint<Request, TransactionView>
{
    public override void Configure()
    {
        Post("transactions/{id}/start");
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(403)
            .ProducesProblemDetails(404).ProducesProblemDetails(409));
        Summary(s =>
        {
            s.Summary = "Start the work";
            s.Description = "The provider starts a paid booking: paid -> in_progress. Errors: 403 not_transaction_provider; 404 not a party; "
                + "409 on_hold (a payment dispute is open), 409 invalid_transition (not paid, or changed meanwhile).";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var me = HttpContext.CurrentUser();
        var (_, role) = await Bookings.FindForCallerAsync(db, req.Id, me, ct);
        if (role != PartyRole.Provider)
        {
            throw ApiProblem.Forbidden("not_transaction_provider", "Only the booking's provider can start the work.");
        }

        await using var tx = await db.BeginTransactionAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        if (await Data.StartAsync(db, req.Id, now, ct) == 0)
        {
            throw await Disputes.IsOnHoldAsync(db, req.Id, ct) ? Disputes.OnHold() : ApiProblem.InvalidTransition("Only a paid booking can be started.");
        }
        await Audit.WriteAsync(db, clock, new AuditEntry("transaction", req.Id, "started", "paid", "in_progress", me.Id, role), ct);
        await ResourceEvents.TransactionAsync(db, clock, options, EventTypes.TransactionStarted, req.Id, ct);
        await tx.CommitAsync(ct);

        await Send.OkAsync(await TransactionViews.LoadAsync(db, req.Id, role, options.Currency, ct), ct);
    }
}
