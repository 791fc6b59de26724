using FastEndpoints;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Payments;

namespace Marketplace.Api.Features.Transactions.Complete;

public sealed class Endpoint(Db db, MarketplaceOptions options, TimeProvider clock) : Endpoint<Request, TransactionView>
{
    private static readonly string[] CompletableFrom = ["paid", "in_progress"];

    public override void Configure()
    {
        Post("transactions/{id}/complete");
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(403)
            .ProducesProblemDetails(404).ProducesProblemDetails(409));
        Summary(s =>
        {
            s.Summary = "Mark complete";
            s.Description = "The provider marks a paid or in-progress booking completed. Errors: 403 not_transaction_provider; "
                + "404 not a party; 409 on_hold (a payment dispute is open), 409 invalid_transition (not paid or in progress, or changed meanwhile, e.g. cancelled).";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var me = HttpContext.CurrentUser();
        var (transaction, role) = await Bookings.FindForCallerAsync(db, req.Id, me, ct);
        if (role != PartyRole.Provider)
        {
            throw ApiProblem.Forbidden("not_transaction_provider", "Only the booking's provider can mark it complete.");
        }
        if (!CompletableFrom.Contains(transaction.Status))
        {
            throw ApiProblem.InvalidTransition($"A {transaction.Status} booking cannot be completed; only a paid or in-progress one can.");
        }

        await db.InTransactionAsync(async c =>
        {
            // the provider before the booking (LockOrder): its completed_transactions counter moves with it
            await LockOrder.ProviderAsync(db, transaction.ProviderId, c);
            if (await Data.CompleteAsync(db, req.Id, transaction.Status, clock.GetUtcNow().UtcDateTime, c) == 0)
            {
                throw await Disputes.IsOnHoldAsync(db, req.Id, c) ? Disputes.OnHold() : ApiProblem.InvalidTransition("The booking changed meanwhile; reload it.");
            }
            await Data.CountCompletedAsync(db, transaction.ProviderId, c);
            await Audit.WriteAsync(db, clock, new AuditEntry("transaction", req.Id, "completed", transaction.Status, "completed", me.Id, role), c);
            await ResourceEvents.TransactionAsync(db, clock, options, EventTypes.TransactionCompleted, req.Id, c);
        }, ct);

        await Send.OkAsync(await TransactionViews.LoadAsync(db, req.Id, role, options.Currency, ct), ct);
    }
}
