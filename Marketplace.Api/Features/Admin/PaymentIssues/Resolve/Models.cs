using FastEndpoints;
using FluentValidation;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Admin.PaymentIssues.Resolve;

public sealed record Request
{
    /// <summary>The issue's id (its audit row, as GET /admin/payment-issues lists it).</summary>
    public long Id { get; init; }

    /// <summary>refund (the flagged charge goes back to the client through Stripe) | dismiss (nothing to do).</summary>
    public string? Action { get; init; }

    /// <summary>Why, 1 to 500 characters (kept with the resolution and in the audit log).</summary>
    public string? Note { get; init; }
}

/// <summary>How an operator resolved a payment issue.</summary>
/// <param name="IssueId">The issue's id.</param>
/// <param name="InvoiceId">The invoice it concerns.</param>
/// <param name="Kind">duplicate_payment | payment_after_cancel | amount_or_currency_mismatch | refund_mismatch | dispute_opened | dispute_lost</param>
/// <param name="Action">refund | dismiss</param>
/// <param name="Note">The operator's note.</param>
/// <param name="ResolvedBy">The admin who resolved it.</param>
/// <param name="ResolvedAt">When.</param>
/// <param name="StripeRefundId">The Stripe refund of the flagged charge (action refund).</param>
public sealed record Resolution(long IssueId, int InvoiceId, [OneOf("duplicate_payment", "payment_after_cancel", "amount_or_currency_mismatch", "refund_mismatch", "dispute_opened", "dispute_lost")] string Kind,
    [OneOf("refund", "dismiss")] string Action, string Note, int ResolvedBy, DateTime ResolvedAt, string? StripeRefundId);

public sealed class Validator : Validator<Request>
{
    public static readonly string[] Actions = ["refund", "dismiss"];

    public Validator()
    {
        RuleFor(r => r.Action).NotNull().WithMessage("action is required (refund or dismiss).").OneOf(Actions);
        RuleFor(r => r.Note).Must(t => !string.IsNullOrWhiteSpace(t)).WithMessage("note must not be empty.")
            .Must(t => t is null || t.Trim().Length <= AdminRules.MaxReasonLength).WithMessage($"note must be at most {AdminRules.MaxReasonLength} characters.");
    }
}
