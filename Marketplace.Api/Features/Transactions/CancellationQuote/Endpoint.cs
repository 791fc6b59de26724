using FastEndpoints;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Payments;

namespace Marketplace.Api.Features.Transactions.CancellationQuote;

public sealed class Endpoint(Db db, MarketplaceOptions options, TimeProvider clock) : Endpoint<Request, Response>
{
    public override void Configure()
    {
        Get("transactions/{id}/cancellation-quote");
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(404).ProducesProblemDetails(409));
        Summary(s =>
        {
            s.Summary = "Quote a cancellation";
            s.Description = "What cancelling the booking now would give back to the client: the policy (the listing's, else the provider's; "
                + "full for a provider's cancellation or a booking without a start time), the percent, the refund and the platform fee "
                + "it gives back, and when the refund next drops. POST /transactions/{id}/cancel refunds the terms in force when it commits. "
                + "Errors: 404 not a party; 409 invalid_transition when the caller can no longer cancel it.";
            s.Responses[200] = "The terms of a cancellation now.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var me = HttpContext.CurrentUser();
        var (transaction, role) = await Bookings.FindForCallerAsync(db, req.Id, me, ct);
        if (!Cancel.Data.CancellableFrom(role).Contains(transaction.Status))
        {
            throw ApiProblem.InvalidTransition($"A {transaction.Status} booking can no longer be cancelled by the {role}.");
        }
        var invoice = await db.Invoices.FirstOrDefaultAsync(i => i.TransactionId == req.Id, ct);
        var policy = await CancellationPolicies.PolicyOfAsync(db, transaction, ct);
        var terms = CancellationPolicies.Terms(role, policy, transaction, invoice, clock.GetUtcNow().UtcDateTime);
        await Send.OkAsync(new Response
        {
            Policy = terms.Policy,
            RefundPercent = terms.RefundPercent,
            RefundCents = terms.RefundCents,
            PlatformFeeRefundCents = terms.PlatformFeeRefundCents,
            NextStepAt = terms.NextStepAt,
            NextStepPercent = terms.NextStepPercent,
            Currency = options.Currency,
        }, ct);
    }
}
