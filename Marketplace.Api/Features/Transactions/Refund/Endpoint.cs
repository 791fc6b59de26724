using FastEndpoints;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Infrastructure.Email;
using Marketplace.Api.Infrastructure.Stripe;
using Marketplace.Api.Payments;

namespace Marketplace.Api.Features.Transactions.Refund;

public sealed class Endpoint(Db db, Infrastructure.Idempotency idempotency, StripeAccess stripe, MarketplaceOptions options, TimeProvider clock)
    : Endpoint<Request, TransactionView>
{
    private const string Route = "POST transactions/{id}/refund";

    /// <summary>How long after paying a client may ask for a refund.</summary>
    public static readonly TimeSpan ClientWindow = TimeSpan.FromDays(14);

    public override void Configure()
    {
        Post("transactions/{id}/refund");
        Options(b => b.WithMetadata(AcceptsIdempotencyKey.Instance));
        Description(d => d
            .Produces<TransactionView>(200).Produces<TransactionView>(202)
            .ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(404)
            .ProducesProblemDetails(409).ProducesProblemDetails(502).ProducesProblemDetails(503).ProducesProblemDetails(504));
        Summary(s =>
        {
            s.Summary = "Refund, or request a refund";
            s.Description = "The provider refunds a paid booking, in full (no amountCents) or in part, through Stripe with the transfer "
                + "and the platform fee reversed in proportion (200); a full refund makes the booking refunded. The client, within 14 "
                + "days of paying, records a refund request with a reason, which is mailed to the provider (202). Honours "
                + "Idempotency-Key. Errors: 404 not a party; 409 not_refundable, refund_exceeds_paid, refund_window_closed, "
                + "refund_already_requested, invalid_transition, idempotency_key_reused, refund_in_progress (another refund of this booking is "
                + "in flight, or the same amount was refunded less than a minute ago without an Idempotency-Key; Retry-After); 502 "
                + "stripe_error; 503/504 stripe_unavailable (Stripe busy or too slow; Retry-After).";
            s.Responses[200] = "The provider's refund was issued.";
            s.Responses[202] = "The client's refund request was recorded and sent to the provider.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var me = HttpContext.CurrentUser();
        var result = await idempotency.RunAsync(Infrastructure.Idempotency.KeyFrom(HttpContext), Route, me.Id, req, async scope =>
        {
            var (transaction, role) = await Bookings.FindForCallerAsync(db, req.Id, me, ct);
            return role == PartyRole.Provider
                ? await RefundAsync(req, me, transaction, scope, ct)
                : await RequestAsync(req, me, transaction, scope, ct);
        }, ct);
        if (result.ReplayedJson is { } replayed)
        {
            await Infrastructure.Idempotency.WriteReplayAsync(HttpContext, result.Status, replayed, ct);
            return;
        }
        await Send.ResponseAsync(result.Body!, result.Status, ct);
    }

    private async Task<(int, TransactionView)> RefundAsync(Request req, CurrentUser me, TransactionRow transaction, IdempotencyScope scope, CancellationToken ct)
    {
        if (!Data.RefundableFrom.Contains(transaction.Status))
        {
            throw ApiProblem.Conflict("not_refundable", $"A {transaction.Status} booking has no payment to refund.");
        }
        var invoice = await db.Invoices.FirstOrDefaultAsync(i => i.TransactionId == req.Id, ct);
        var refundable = invoice is null ? 0 : invoice.PaidCents - invoice.RefundedCents;
        TransactionView? view = null;
        await Refunds.IssueAsync(db, stripe, clock, options, req.Id, req.AmountCents ?? refundable, req.Reason, me.Id, PartyRole.Provider, ct,
            beforeCommit: async c =>
            {
                // the answer is stored with the refund, so a retry can never refund twice
                view = await TransactionViews.LoadAsync(db, req.Id, PartyRole.Provider, options.Currency, c);
                await scope.CompleteAsync(StatusCodes.Status200OK, view, c);
            }, keyless: Infrastructure.Idempotency.KeyFrom(HttpContext) is null);
        return (StatusCodes.Status200OK, view!);
    }

    private async Task<(int, TransactionView)> RequestAsync(Request req, CurrentUser me, TransactionRow transaction, IdempotencyScope scope, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(req.Reason))
        {
            ThrowError(r => r.Reason!, "Tell the provider why you ask for a refund.");
        }
        if (!Data.RequestableFrom.Contains(transaction.Status) || transaction.PaidAt is null)
        {
            throw ApiProblem.Conflict("not_refundable", $"A {transaction.Status} booking has no payment to refund.");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        if (now > transaction.PaidAt.Value + ClientWindow)
        {
            throw ApiProblem.Conflict("refund_window_closed", "Refunds can be requested within 14 days of payment; contact the provider.");
        }
        var refundable = transaction.TotalCents - transaction.RefundAmountCents;
        var amount = req.AmountCents ?? refundable;
        if (amount > refundable)
        {
            throw ApiProblem.Conflict("refund_exceeds_paid", $"At most {refundable} cents can still be refunded on this booking.");
        }
        if (transaction.RefundRequestedAt is not null)
        {
            throw ApiProblem.Conflict("refund_already_requested", "A refund request is already open on this booking.");
        }

        await using var tx = await db.BeginTransactionAsync(ct);
        if (await Data.RequestAsync(db, req.Id, transaction.Status, amount, req.Reason!, now, ct) == 0)
        {
            throw ApiProblem.InvalidTransition("The booking changed meanwhile; reload it.");
        }
        await Audit.WriteAsync(db, clock, new AuditEntry("transaction", req.Id, "refund_requested", transaction.Status, transaction.Status,
            me.Id, PartyRole.Client, new { amountCents = amount, reason = req.Reason }), ct);
        await ResourceEvents.TransactionAsync(db, clock, options, EventTypes.TransactionRefundRequested, req.Id, ct);
        var parties = await Bookings.PartiesAsync(db, req.Id, ct);
        await Outbox.EnqueueAsync(db, clock, BookingMails.RefundRequested(parties, transaction, amount, req.Reason!, options), ct);
        var view = await TransactionViews.LoadAsync(db, req.Id, PartyRole.Client, options.Currency, ct);
        await scope.CompleteAsync(StatusCodes.Status202Accepted, view, ct);
        await tx.CommitAsync(ct);
        return (StatusCodes.Status202Accepted, view);
    }
}
