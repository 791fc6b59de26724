using System.Globalization;
using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Infrastructure.Stripe;
using RefundCreateOptions = Stripe.RefundCreateOptions;
using RefundService = Stripe.RefundService;
using RequestOptions = Stripe.RequestOptions;

namespace Marketplace.Api.Features.Admin.PaymentIssues.Resolve;

public sealed class Endpoint(Db db, StripeAccess stripe, TimeProvider clock) : Endpoint<Request, Resolution>
{
    public override void Configure()
    {
        Post("admin/payment-issues/{id}/resolve");
        Policies(Infrastructure.Policies.Admin);
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(403)
            .ProducesProblemDetails(404).ProducesProblemDetails(409).ProducesProblemDetails(502));
        Summary(s =>
        {
            s.Summary = "Resolve a payment issue (admins)";
            s.Description = "Closes an issue of GET /admin/payment-issues, which then leaves that list. dismiss records the operator's note; "
                + "refund (duplicate_payment and payment_after_cancel only) also refunds the flagged charge in full through Stripe, once: "
                + "the issue is claimed in the database first and the refund carries an idempotency key of its own. 409 already_resolved when "
                + "the issue is resolved (or being resolved) already, 409 not_refundable for a kind without a charge to give back; 502 "
                + "stripe_error when Stripe refused the refund (the issue stays open).";
            s.ExampleRequest = new Request { Id = 4102, Action = "refund", Note = "The client paid twice in two tabs." };
            s.ResponseExamples[200] = new Resolution(4102, 77, "duplicate_payment", "refund", "The client paid twice in two tabs.", 1,
                new DateTime(2026, 11, 27, 10, 0, 0, DateTimeKind.Utc), "re_3QxDupl1cate");
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var admin = HttpContext.CurrentUser();
        var action = req.Action!;
        var note = req.Note!.Trim();
        var issue = await Data.IssueAsync(db, req.Id, ct) ?? throw ApiProblem.NotFound("payment issue");
        if (action == "refund" && (!Data.RefundableKinds.Contains(issue.Kind) || issue.ChargeId is null || issue.AmountCents is not > 0))
        {
            throw ApiProblem.Conflict("not_refundable", $"A {issue.Kind} issue has no flagged charge to refund; dismiss it.");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        string? refundId = null;

        if (action == "refund")
        {
            // claimed before Stripe (no transaction held across the call): of concurrent resolutions one refunds, the rest answer 409
            if (await Data.ClaimAsync(db, issue, action, note, admin.Id, now, ct) == 0)
            {
                throw AlreadyResolved();
            }
            try
            {
                var refund = await new RefundService(await stripe.ClientAsync(db)).CreateAsync(new RefundCreateOptions
                {
                    Charge = issue.ChargeId,
                    Amount = issue.AmountCents,
                    Reason = issue.Kind == "duplicate_payment" ? "duplicate" : "requested_by_customer",
                    // a destination charge like every Checkout payment: the provider's share and the platform's fee come back too
                    ReverseTransfer = true,
                    RefundApplicationFee = true,
                    Metadata = new Dictionary<string, string>
                    {
                        ["payment_issue_id"] = issue.Id.ToString(CultureInfo.InvariantCulture),
                        ["invoice_id"] = issue.InvoiceId.ToString(CultureInfo.InvariantCulture),
                    },
                }, new RequestOptions { IdempotencyKey = $"payment-issue-{issue.Id}-refund" }, ct);
                refundId = refund.Id;
            }
            catch
            {
                await Data.ReleaseAsync(db, issue.Id, CancellationToken.None);
                throw;
            }
        }

        var resolution = new Resolution(issue.Id, issue.InvoiceId, issue.Kind, action, note, admin.Id, now, refundId);
        await db.InTransactionAsync(async c =>
        {
            if (refundId is not null)
            {
                await Data.RecordRefundAsync(db, issue.Id, refundId, c);
            }
            else if (await Data.ClaimAsync(db, issue, action, note, admin.Id, now, c) == 0)
            {
                throw AlreadyResolved();
            }
            await Audit.WriteAsync(db, clock, new AuditEntry("invoice", issue.InvoiceId, "payment_issue_resolved", null, null, admin.Id, AdminRules.ActorRole,
                new { issueId = issue.Id, issue.Kind, action, note, stripeRefundId = refundId }), c);
            await DomainEvents.AppendAsync(db, clock, new DomainEvent(EventTypes.PaymentIssueResolved, "payment_issue",
                issue.Id.ToString(CultureInfo.InvariantCulture), resolution, []), c);
        }, ct);
        await Send.OkAsync(resolution, ct);
    }

    private static ApiProblem AlreadyResolved() => ApiProblem.Conflict("already_resolved", "This payment issue is resolved already.");
}
